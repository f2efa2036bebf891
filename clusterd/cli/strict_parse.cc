#include "clusterd/cli/strict_parse.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace shoal::cli {
namespace {

bool AllDigits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Refuses anything but a decimal number in [min, UINT64_MAX].
std::string CheckWhole(const std::string& text, uint64_t min) {
  if (!AllDigits(text)) return "'" + text + "' is not a whole number";
  errno = 0;
  unsigned long long v = std::strtoull(text.c_str(), nullptr, 10);
  if (errno == ERANGE) return "'" + text + "' is too large";
  if (v < min) return "'" + text + "' is not a whole number of " + std::to_string(min) + " or more";
  return "";
}

// Flags expect no value; options take the next word unless given as
// "--name=value" or "-xVALUE".
bool TakesValue(const CLI::Option& opt) { return opt.get_expected_max() > 0; }

// Option names a user may mean: "--name" for long names, "-x" for short.
std::vector<std::string> OptionNames(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* a = &app; a != nullptr; a = a->get_parent()) {
    for (const CLI::Option* opt : a->get_options()) {
      for (const std::string& l : opt->get_lnames()) names.push_back("--" + l);
    }
    if (!a->get_fallthrough()) break;
  }
  return names;
}

// The option `name` ("--x" or "-x") of `app` or, through fallthrough, of
// its parents.
const CLI::Option* FindOption(const CLI::App& app, const std::string& name) {
  for (const CLI::App* a = &app; a != nullptr; a = a->get_parent()) {
    if (const CLI::Option* opt = a->get_option_no_throw(name)) return opt;
    if (!a->get_fallthrough()) break;
  }
  return nullptr;
}

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1] ? 1 : 0)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// " (did you mean X?)" for the nearest of `candidates` within two edits.
std::string Suggestion(const std::string& word, const std::vector<std::string>& candidates) {
  const std::string* best = nullptr;
  size_t best_distance = 3;
  for (const std::string& c : candidates) {
    size_t d = EditDistance(word, c);
    if (d < best_distance) best = &c, best_distance = d;
  }
  return best ? " (did you mean " + *best + "?)" : "";
}

std::string SubcommandList(const CLI::App& root) {
  std::string list;
  for (const CLI::App* sub : root.get_subcommands([](const CLI::App*) { return true; })) {
    list += (list.empty() ? "" : ", ") + sub->get_name();
  }
  return list;
}

}  // namespace

CLI::Validator WholeNumber() {
  return CLI::Validator([](std::string& s) { return CheckWhole(s, 0); }, "N");
}

CLI::Validator PositiveWholeNumber() {
  return CLI::Validator([](std::string& s) { return CheckWhole(s, 1); }, "N");
}

CLI::Validator Seconds() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        char* end = nullptr;
        double v = std::strtod(s.c_str(), &end);
        bool plain = !s.empty() && (std::isdigit(static_cast<unsigned char>(s[0])) != 0);
        if (!plain || end == nullptr || *end != '\0')
          return "'" + s + "' is not a number of seconds";
        if (v > 365.0 * 24 * 3600) return "'" + s + "' seconds is over a year";
        return "";
      },
      "SECONDS");
}

std::optional<UsageProblem> CheckCommandLine(const CLI::App& root, int argc,
                                             const char* const* argv) {
  const CLI::App* current = &root;
  auto problem = [&current](std::string message) {
    return UsageProblem{current->get_parent() ? current->get_name() : "", std::move(message)};
  };
  bool asks_for_help = false;
  for (int i = 1; i < argc; ++i) {
    std::string word = argv[i];
    if (word == "--") break;
    if (word == "-h" || word == "--help" || word == "--help-all" || word == "--version") {
      asks_for_help = true;
    }
    bool is_option = word.size() > 1 && word[0] == '-' && !std::isdigit(uint8_t(word[1]));
    if (is_option && word[1] == '-') {
      std::string name = word.substr(0, word.find('='));
      const CLI::Option* opt = FindOption(*current, name);
      if (opt == nullptr) {
        return problem("unknown option " + name + Suggestion(name, OptionNames(*current)));
      }
      if (TakesValue(*opt) && name.size() == word.size()) ++i;  // Its value.
      continue;
    }
    if (is_option) {
      // "-on" is CLI11's "-o n"; say what the user most likely meant.
      if (word.size() > 2 && FindOption(*current, "-" + word) != nullptr) {
        return problem("unknown option " + word + " (did you mean -" + word + "?)");
      }
      const CLI::Option* opt = FindOption(*current, word.substr(0, 2));
      if (opt == nullptr) return problem("unknown option " + word.substr(0, 2));
      if (TakesValue(*opt) && word.size() == 2) ++i;
      continue;
    }
    if (current == &root) {
      std::vector<const CLI::App*> subs =
          root.get_subcommands([&word](const CLI::App* s) { return s->check_name(word); });
      if (subs.empty()) {
        std::vector<std::string> names;
        for (const CLI::App* s : root.get_subcommands([](const CLI::App*) { return true; })) {
          names.push_back(s->get_name());
        }
        return problem("unknown command '" + word + "'" + Suggestion(word, names) +
                       "; the commands are " + SubcommandList(root));
      }
      current = subs.front();
      continue;
    }
    if (current->get_prefix_command()) break;  // `run`: the module and the program's args.
  }
  if (current == &root && !asks_for_help) {
    return problem("missing command; the commands are " + SubcommandList(root));
  }
  return std::nullopt;
}

std::string FailingCommand(const CLI::App& root) {
  std::vector<CLI::App*> parsed = root.get_subcommands();
  return parsed.empty() ? "" : parsed.back()->get_name();
}

void PrintUsageProblem(const UsageProblem& problem) {
  std::string shoal = problem.command.empty() ? "shoal" : "shoal " + problem.command;
  std::fprintf(stderr, "%s: %s (see %s --help)\n", shoal.c_str(), problem.message.c_str(),
               shoal.c_str());
}

}  // namespace shoal::cli
