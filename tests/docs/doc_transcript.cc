#include "tests/docs/doc_transcript.h"

#include <cstdlib>

namespace shoal::doctest {
namespace {

constexpr std::string_view kAnyText = "[..]";
constexpr std::string_view kAnyLines = "...";

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Runs of spaces and tabs become one space: table columns widen and narrow
// with the numbers in them, which the page cannot know.
std::string Squeezed(std::string_view s) {
  std::string out;
  bool in_space = false;
  for (char c : TrimRight(s)) {
    bool space = c == ' ' || c == '\t';
    if (!(space && in_space)) out.push_back(space ? ' ' : c);
    in_space = space;
  }
  return out;
}

// `pattern` with "[..]" as the only wildcard. Its literal pieces must occur
// in order; the first at the start and the last at the end unless a
// wildcard stands there. Leftmost placement of each middle piece is enough
// for a pattern whose only wildcard matches any text.
bool LineMatches(std::string_view pattern_raw, std::string_view line_raw) {
  std::string pattern = Squeezed(pattern_raw);
  std::string line = Squeezed(line_raw);
  std::vector<std::string_view> pieces;
  std::string_view rest = pattern;
  for (size_t at; (at = rest.find(kAnyText)) != std::string_view::npos;) {
    pieces.push_back(rest.substr(0, at));
    rest.remove_prefix(at + kAnyText.size());
  }
  pieces.push_back(rest);
  if (pieces.size() == 1) return line == pieces[0];
  std::string_view text = line;
  if (!StartsWith(text, pieces.front())) return false;
  text.remove_prefix(pieces.front().size());
  for (size_t i = 1; i + 1 < pieces.size(); ++i) {
    size_t at = text.find(pieces[i]);
    if (at == std::string_view::npos) return false;
    text.remove_prefix(at + pieces[i].size());
  }
  const std::string_view last = pieces.back();
  return text.size() >= last.size() && text.substr(text.size() - last.size()) == last;
}

// A fence opens a code block with three or more backticks and its info
// string; the block closes at a line of as many backticks or more and
// nothing else, so a ```` fence can show a ``` block inside it.
size_t FenceLength(std::string_view line) {
  size_t n = 0;
  while (n < line.size() && line[n] == '`') ++n;
  return n >= 3 ? n : 0;
}

bool ClosesFence(std::string_view line, size_t opened) {
  line = TrimRight(line);
  return FenceLength(line) >= opened && line.find_first_not_of('`') == std::string_view::npos;
}

// Line index of the fence that closes the block opened at `open` (lines.size()
// when none does).
size_t FenceEnd(const std::vector<std::string_view>& lines, size_t open) {
  size_t opened = FenceLength(lines[open]);
  size_t close = open + 1;
  while (close < lines.size() && !ClosesFence(lines[close], opened)) ++close;
  return close;
}

std::string_view InfoString(std::string_view fence) {
  fence = TrimRight(fence);
  fence.remove_prefix(FenceLength(fence));
  return fence;
}

// "[N]" alone on a line: the exit code the command before it ends with.
std::optional<int> ExitCodeLine(std::string_view line) {
  line = TrimRight(line);
  if (line.size() < 3 || line.front() != '[' || line.back() != ']') return std::nullopt;
  std::string_view digits = line.substr(1, line.size() - 2);
  if (digits.empty() || digits.size() > 3) return std::nullopt;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  return std::atoi(std::string(digits).c_str());
}

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t end = text.find('\n');
    lines.push_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

}  // namespace

std::vector<std::string> SplitLines(std::string_view text) {
  std::vector<std::string> lines;
  for (std::string_view line : Lines(text)) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.emplace_back(line);
  }
  return lines;
}

std::vector<Transcript> ParseTranscripts(std::string_view markdown, std::string* error) {
  std::vector<Transcript> transcripts;
  std::vector<std::string_view> lines = Lines(markdown);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (FenceLength(lines[i]) == 0) continue;
    size_t close = FenceEnd(lines, i);
    if (InfoString(lines[i]) != "console") {
      i = close;
      continue;
    }
    Transcript transcript;
    transcript.line = int(i) + 1;
    Command* command = nullptr;
    bool continued = false;  // the command's last line ended in a backslash
    for (size_t j = i + 1; j < close; ++j) {
      std::string_view line = lines[j];
      if (continued ||
          (command != nullptr && command->expected.empty() && StartsWith(line, "> "))) {
        std::string_view more = StartsWith(line, "> ") ? line.substr(2) : line;
        command->text += "\n" + std::string(more);
        continued = TrimRight(more).ends_with('\\');
        continue;
      }
      if (StartsWith(line, "$ ")) {
        transcript.commands.push_back(Command{int(j) + 1, std::string(line.substr(2)), {}, 0});
        command = &transcript.commands.back();
        continued = TrimRight(line).ends_with('\\');
        continue;
      }
      if (command == nullptr) {
        if (TrimRight(line).empty()) continue;
        *error =
            "line " + std::to_string(j + 1) + ": a console block must start with a \"$ \" command";
        return {};
      }
      if (std::optional<int> code = ExitCodeLine(line)) {
        command->exit_code = *code;
        continue;
      }
      command->expected.emplace_back(line);
    }
    if (close >= lines.size()) {
      *error = "line " + std::to_string(i + 1) + ": the console block is never closed";
      return {};
    }
    transcripts.push_back(std::move(transcript));
    i = close;
  }
  return transcripts;
}

std::vector<int> UntestedPromptLines(std::string_view markdown) {
  std::vector<int> found;
  std::vector<std::string_view> lines = Lines(markdown);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (FenceLength(lines[i]) == 0) continue;
    size_t close = FenceEnd(lines, i);
    bool console = InfoString(lines[i]) == "console";
    for (size_t j = i + 1; j < close && !console; ++j) {
      if (StartsWith(lines[j], "$ ")) found.push_back(int(j) + 1);
    }
    i = close;
  }
  return found;
}

bool Matches(const std::vector<std::string>& expected, const std::vector<std::string>& actual,
             std::string* why) {
  // reach[i][j]: expected[i..] can match actual[j..]. Filled from the end;
  // "..." may take any number of actual lines.
  const size_t n = expected.size(), m = actual.size();
  std::vector<std::vector<char>> reach(n + 1, std::vector<char>(m + 1, 0));
  reach[n][m] = 1;
  for (size_t i = n; i-- > 0;) {
    bool any_lines = TrimRight(expected[i]) == kAnyLines;
    for (size_t j = m + 1; j-- > 0;) {
      if (any_lines) {
        reach[i][j] = reach[i + 1][j] || (j < m && reach[i][j + 1]);
      } else {
        reach[i][j] = j < m && LineMatches(expected[i], actual[j]) && reach[i + 1][j + 1];
      }
    }
  }
  if (reach[0][0]) return true;
  // The longest prefix of `expected` that matches some prefix of `actual`
  // names where the two part.
  size_t i = 0, j = 0;
  bool nowhere = false;  // expected[i] follows a "..." and matches no later line
  while (i < n) {
    if (TrimRight(expected[i]) == kAnyLines) {
      size_t k = j;
      while (k <= m && !reach[i + 1][k]) ++k;
      i += 1;
      if (k > m) {
        nowhere = true;
        break;
      }
      j = k;
    } else if (j < m && LineMatches(expected[i], actual[j])) {
      ++i;
      ++j;
    } else {
      break;
    }
  }
  if (nowhere) {
    *why = "expected line " + std::to_string(i + 1) + " \"" + expected[i] +
           "\" matches no line of the rest of the output";
  } else if (i < n) {
    *why = "expected line " + std::to_string(i + 1) + " \"" + expected[i] + "\" " +
           (j < m ? "but got \"" + actual[j] + "\"" : "but the output ended");
  } else {
    *why = "unexpected output line \"" + actual[j] + "\"";
  }
  return false;
}

}  // namespace shoal::doctest
