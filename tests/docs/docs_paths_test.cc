// The docs name what exists: every relative link in README.md and docs/*.md
// leads to a file or directory of the repository, and every repository path
// a doc names in backquotes (`kernel/remote/handles.cc`, `deploy/demo`) is
// there. A renamed or deleted file fails here instead of misleading a reader.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/docs/doc_pages.h"

namespace {

namespace fs = std::filesystem;

const fs::path kRepo = SHOAL_SOURCE_DIR;

std::vector<fs::path> Docs() { return shoal::doctest::DocPages(kRepo); }

std::string Read(const fs::path& path) { return shoal::doctest::ReadPage(path); }

// The repository's top-level directories: a backquoted word starting with
// one of them (and a slash) names a path of the repository.
std::set<std::string> TopLevelDirectories() {
  std::set<std::string> dirs;
  for (const auto& entry : fs::directory_iterator(kRepo)) {
    std::string name = entry.path().filename().string();
    if (entry.is_directory() && name != "build" && name != ".git" && name[0] != '.') {
      dirs.insert(name);
    }
  }
  return dirs;
}

// "path:123" and "path#anchor" name the path.
std::string WithoutSuffix(std::string path) {
  path = path.substr(0, path.find('#'));
  static const std::regex line_suffix(":[0-9]+(-[0-9]+)?$");
  return std::regex_replace(path, line_suffix, "");
}

// A word that stands for many paths or for one the reader fills in
// (`kernel/remote/audio_*.cc`, `apps/NAME.c`, `docs/...`).
bool IsPattern(const std::string& word) {
  static const std::regex pattern(R"([*?<>{}\[\] ]|\.\.\.|(^|/)[A-Z][A-Z_]+(/|\.|$))");
  return std::regex_search(word, pattern);
}

TEST(DocsPaths, EveryRelativeLinkLeadsSomewhere) {
  static const std::regex link(R"(\]\(([^)\s]+)\))");
  std::vector<std::string> broken;
  for (const fs::path& doc : Docs()) {
    std::string text = Read(doc);
    for (std::sregex_iterator it(text.begin(), text.end(), link), end; it != end; ++it) {
      std::string target = (*it)[1];
      if (target.find("://") != std::string::npos || target.rfind("mailto:", 0) == 0 ||
          target[0] == '#') {
        continue;
      }
      if (!fs::exists(doc.parent_path() / WithoutSuffix(target))) {
        broken.push_back(fs::relative(doc, kRepo).string() + ": " + target);
      }
    }
  }
  EXPECT_TRUE(broken.empty()) << ::testing::PrintToString(broken);
}

TEST(DocsPaths, EveryBackquotedRepositoryPathExists) {
  static const std::regex quoted("`([^`\\s]+)`");
  std::set<std::string> tops = TopLevelDirectories();
  ASSERT_TRUE(tops.count("kernel") && tops.count("docs")) << "not the repository: " << kRepo;
  std::vector<std::string> missing;
  int checked = 0;
  for (const fs::path& doc : Docs()) {
    std::string text = Read(doc);
    for (std::sregex_iterator it(text.begin(), text.end(), quoted), end; it != end; ++it) {
      std::string word = WithoutSuffix((*it)[1]);
      size_t slash = word.find('/');
      if (slash == std::string::npos || !tops.count(word.substr(0, slash)) || IsPattern(word)) {
        continue;
      }
      ++checked;
      if (!fs::exists(kRepo / word)) {
        missing.push_back(fs::relative(doc, kRepo).string() + ": " + word);
      }
    }
  }
  EXPECT_GT(checked, 100) << "the docs name fewer paths than they do: is the pattern broken?";
  EXPECT_TRUE(missing.empty()) << ::testing::PrintToString(missing);
}

}  // namespace
