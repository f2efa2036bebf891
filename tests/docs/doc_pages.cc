#include "tests/docs/doc_pages.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace shoal::doctest {

std::vector<std::filesystem::path> DocPages(const std::filesystem::path& repo) {
  std::vector<std::filesystem::path> pages;
  for (const auto& entry : std::filesystem::directory_iterator(repo / "docs")) {
    if (entry.path().extension() == ".md") pages.push_back(entry.path());
  }
  std::sort(pages.begin(), pages.end());
  pages.insert(pages.begin(), repo / "README.md");
  return pages;
}

std::string ReadPage(const std::filesystem::path& page) {
  std::ifstream in(page);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace shoal::doctest
