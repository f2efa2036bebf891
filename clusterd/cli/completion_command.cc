// `shoal completion bash|zsh`: a shell completion script, generated from the
// subcommands and options the CLI defines, so it cannot fall behind them.
#include <cstdio>
#include <set>
#include <string>

#include "clusterd/cli/cluster_commands.h"
#include "clusterd/cli/exit_codes.h"

namespace shoal::cli {
namespace {

// "--a --b -c": the options of `app` and, through fallthrough, its parents.
std::string OptionWords(const CLI::App& app) {
  std::set<std::string> words;
  for (const CLI::App* a = &app; a != nullptr; a = a->get_parent()) {
    for (const CLI::Option* opt : a->get_options()) {
      for (const std::string& l : opt->get_lnames()) words.insert("--" + l);
      for (const std::string& s : opt->get_snames()) words.insert("-" + s);
    }
    if (!a->get_fallthrough()) break;
  }
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

std::string BashScript(const CLI::App& root) {
  std::string commands, cases;
  for (const CLI::App* sub : root.get_subcommands([](const CLI::App*) { return true; })) {
    commands += (commands.empty() ? "" : " ") + sub->get_name();
    cases += "    " + sub->get_name() + ") words=\"" + OptionWords(*sub) + "\" ;;\n";
  }
  return "# shoal completion for bash: eval \"$(shoal completion bash)\"\n"
         "_shoal() {\n"
         "  local cur=\"${COMP_WORDS[COMP_CWORD]}\" command=\"\" words i\n"
         "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
         "    case \"${COMP_WORDS[i]}\" in -*) ;; *) command=\"${COMP_WORDS[i]}\"; break ;; esac\n"
         "  done\n"
         "  case \"$command\" in\n"
         "    \"\") words=\"" +
         commands + " " + OptionWords(root) + "\" ;;\n" + cases +
         "  esac\n"
         "  if [[ \"$command\" == run && \"$cur\" != -* ]]; then\n"
         "    COMPREPLY=($(compgen -f -- \"$cur\"))\n"
         "  else\n"
         "    COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
         "  fi\n"
         "}\n"
         "complete -o default -F _shoal shoal\n";
}

}  // namespace

void AddCompletionCommand(CLI::App& app, int& exit_code) {
  CLI::App* sub = app.add_subcommand(
      "completion", "Print a shell completion script: eval \"$(shoal completion bash)\"");
  auto shell = std::make_shared<std::string>();
  sub->add_option("SHELL", *shell, "bash or zsh")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh"}));
  sub->callback([&app, shell, &exit_code] {
    std::string script = BashScript(app);
    // zsh runs bash completions through its bashcompinit layer.
    if (*shell == "zsh") script = "autoload -U +X bashcompinit && bashcompinit\n" + script;
    std::fputs(script.c_str(), stdout);
    exit_code = 0;
  });
}

}  // namespace shoal::cli
