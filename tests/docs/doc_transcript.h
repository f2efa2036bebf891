// Terminal transcripts in the docs, as tests: a fenced ```console block in
// README.md or docs/*.md is a session a reader can type, and
// doc_examples_test runs it against a real local cluster and compares what
// each command printed and how it exited with what the page shows. The
// format is docs/doc-tests.md's; in short:
//
//   $ shoal kill 999999            a command ("$ ", continued by "> " lines
//   shoal kill: no process [..]    or a trailing backslash), then what it
//   [79]                           prints, then "[N]" when it exits N != 0
//
// An expected line matches an output line when they are equal after runs
// of spaces shrink to one, with "[..]" standing for any text within the
// line; a line "..." stands for any number of lines.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shoal::doctest {

// One command of a transcript and what the page says it does.
struct Command {
  int line = 0;                       // 1-based line of its "$ " in the page
  std::string text;                   // the shell text, continuation lines joined by '\n'
  std::vector<std::string> expected;  // expected output lines, patterns as written
  int exit_code = 0;                  // "[N]" after the output, else 0
};

// One ```console block.
struct Transcript {
  int line = 0;  // 1-based line of the opening fence
  std::vector<Command> commands;
};

// The ```console blocks of a Markdown page, in order. A block whose first
// non-blank line is not a "$ " command is an error (`error` says where), so
// a mistyped transcript cannot pass by running nothing.
std::vector<Transcript> ParseTranscripts(std::string_view markdown, std::string* error);

// Lines of fenced blocks other than ```console that look like a transcript
// ("$ " at the start): such a block would show commands no test runs.
std::vector<int> UntestedPromptLines(std::string_view markdown);

// Whether `actual` (output lines) matches `expected` (patterns). On a
// mismatch, `why` names the first expected line that found no match.
bool Matches(const std::vector<std::string>& expected, const std::vector<std::string>& actual,
             std::string* why);

// Output text split into lines: a final newline ends the last line rather
// than starting an empty one, and "\r" before a newline is dropped.
std::vector<std::string> SplitLines(std::string_view text);

}  // namespace shoal::doctest
