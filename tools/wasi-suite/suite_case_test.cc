#include "tools/wasi-suite/suite_case.h"

#include <gtest/gtest.h>

namespace shoal::wasi_suite {
namespace {

TEST(SuiteCase, MissingJsonMeansAllDefaults) {
  Result<SuiteCase> c = ParseSuiteCase("/suite/c", "lseek", "");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->wasm_path, "/suite/c/lseek.wasm");
  EXPECT_TRUE(c->args.empty());
  EXPECT_TRUE(c->env.empty());
  EXPECT_TRUE(c->root.empty());
  EXPECT_EQ(c->exit_code, 0);
  EXPECT_FALSE(c->stdout_text.has_value());
}

TEST(SuiteCase, ReadsEveryField) {
  Result<SuiteCase> c = ParseSuiteCase("/s", "t", R"({
    "args": ["first", "the \"second\" arg"],
    "env": {"a": "new\nline", "b": "c"},
    "root": "fs-tests.dir",
    "exit_code": 33,
    "stdout": "hello",
    "stderr": ""
  })");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->args, (std::vector<std::string>{"first", "the \"second\" arg"}));
  EXPECT_EQ(c->env, (std::vector<std::string>{"a=new\nline", "b=c"}));
  EXPECT_EQ(c->root, "/s/fs-tests.dir");
  EXPECT_EQ(c->exit_code, 33);
  EXPECT_EQ(c->stdout_text, "hello");
  EXPECT_EQ(c->stderr_text, "");
}

TEST(SuiteCase, WrongTypesAreMalformed) {
  EXPECT_EQ(ParseSuiteCase("/s", "t", "[1]").error().status, Status::kMalformed);
  EXPECT_EQ(ParseSuiteCase("/s", "t", "{").error().status, Status::kMalformed);
  EXPECT_EQ(ParseSuiteCase("/s", "t", R"({"args": "x"})").error().status, Status::kMalformed);
  EXPECT_EQ(ParseSuiteCase("/s", "t", R"({"env": {"a": 1}})").error().status, Status::kMalformed);
  EXPECT_EQ(ParseSuiteCase("/s", "t", R"({"exit_code": "1"})").error().status, Status::kMalformed);
}

TEST(SuiteCase, OperationsFormIsNotSupported) {
  EXPECT_EQ(ParseSuiteCase("/s", "t", R"({"operations": []})").error().status,
            Status::kNotSupported);
}

}  // namespace
}  // namespace shoal::wasi_suite
