// The transcript format itself: what a ```console block means, and which
// output a page's expected lines accept.
#include "tests/docs/doc_transcript.h"

#include <gtest/gtest.h>

namespace shoal::doctest {
namespace {

TEST(DocTranscript, CommandsOutputsAndExitCodes) {
  std::string error;
  std::vector<Transcript> found = ParseTranscripts(
      "intro\n"
      "```console\n"
      "$ shoal nodes\n"
      "NAME ID\n"
      "node-a [..]\n"
      "$ shoal kill 9 \\\n"
      "    --insecure\n"
      "shoal kill: no process 9\n"
      "[79]\n"
      "$ true\n"
      "```\n"
      "```sh\n"
      "$ not a transcript\n"
      "```\n",
      &error);
  ASSERT_TRUE(error.empty()) << error;
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].line, 2);
  ASSERT_EQ(found[0].commands.size(), 3u);
  EXPECT_EQ(found[0].commands[0].text, "shoal nodes");
  EXPECT_EQ(found[0].commands[0].expected, (std::vector<std::string>{"NAME ID", "node-a [..]"}));
  EXPECT_EQ(found[0].commands[0].exit_code, 0);
  EXPECT_EQ(found[0].commands[1].text, "shoal kill 9 \\\n    --insecure");
  EXPECT_EQ(found[0].commands[1].line, 6);
  EXPECT_EQ(found[0].commands[1].exit_code, 79);
  EXPECT_TRUE(found[0].commands[2].expected.empty());
}

TEST(DocTranscript, LongerFencesShowBlocksInside) {
  std::string error;
  std::string_view page = "````\n```console\n$ shown, not run\n```\n````\n";
  EXPECT_TRUE(ParseTranscripts(page, &error).empty());
  EXPECT_TRUE(error.empty()) << error;
  EXPECT_EQ(UntestedPromptLines(page), std::vector<int>{3});
}

TEST(DocTranscript, PromptContinuationLines) {
  std::string error;
  std::vector<Transcript> found =
      ParseTranscripts("```console\n$ for i in 1 2; do\n>   echo $i\n> done\n1\n2\n```\n", &error);
  ASSERT_EQ(found.size(), 1u) << error;
  ASSERT_EQ(found[0].commands.size(), 1u);
  EXPECT_EQ(found[0].commands[0].text, "for i in 1 2; do\n  echo $i\ndone");
  EXPECT_EQ(found[0].commands[0].expected, (std::vector<std::string>{"1", "2"}));
}

TEST(DocTranscript, MalformedBlocksAreErrors) {
  std::string error;
  EXPECT_TRUE(ParseTranscripts("```console\nno prompt\n```\n", &error).empty());
  EXPECT_NE(error.find("line 2"), std::string::npos) << error;
  error.clear();
  EXPECT_TRUE(ParseTranscripts("```console\n$ true\n", &error).empty());
  EXPECT_NE(error.find("never closed"), std::string::npos) << error;
}

TEST(DocTranscript, PromptsOutsideConsoleBlocksAreFound) {
  EXPECT_EQ(UntestedPromptLines("```\n$ shoal ps\n```\n```console\n$ true\n```\n"),
            std::vector<int>{2});
  EXPECT_TRUE(UntestedPromptLines("```\nshoal run [--on NODE]\n```\n").empty());
}

TEST(DocTranscript, LinePatterns) {
  std::string why;
  EXPECT_TRUE(Matches({"started [..] on node-b"}, {"started 4098 on node-b"}, &why));
  EXPECT_FALSE(Matches({"started [..] on node-b"}, {"started 4098 on node-c"}, &why));
  EXPECT_NE(why.find("started 4098 on node-c"), std::string::npos) << why;
  // Column widths vary with the numbers in them.
  EXPECT_TRUE(Matches({"4098  node-b  running"}, {"4098     node-b  running   "}, &why));
  EXPECT_FALSE(Matches({"4098 node-b"}, {"4098node-b"}, &why));
  EXPECT_TRUE(Matches({"[..]x[..]y"}, {"axbxcy"}, &why));
  EXPECT_FALSE(Matches({"a[..]b"}, {"ab-"}, &why));
  EXPECT_TRUE(Matches({"[..]"}, {""}, &why));
}

TEST(DocTranscript, AnyLines) {
  std::string why;
  EXPECT_TRUE(Matches({"first", "...", "last"}, {"first", "a", "b", "last"}, &why));
  EXPECT_TRUE(Matches({"first", "...", "last"}, {"first", "last"}, &why));
  EXPECT_TRUE(Matches({"..."}, {}, &why));
  EXPECT_FALSE(Matches({"first", "...", "last"}, {"first", "a"}, &why));
  EXPECT_NE(why.find("\"last\""), std::string::npos) << why;
  EXPECT_FALSE(Matches({"one"}, {"one", "two"}, &why));
  EXPECT_NE(why.find("unexpected output line \"two\""), std::string::npos) << why;
  EXPECT_FALSE(Matches({}, {"noise"}, &why));
}

TEST(DocTranscript, SplitLines) {
  EXPECT_EQ(SplitLines("a\nb\n"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(SplitLines("a\r\nb"), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(SplitLines("").empty());
  EXPECT_EQ(SplitLines("\n"), (std::vector<std::string>{""}));
}

}  // namespace
}  // namespace shoal::doctest
