#include "tools/spec/spec_runner.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "tools/spec/wast2json.h"

namespace shoal::spec {
namespace {

// (module
//   (import "spectest" "print_i32" (func (param i32)))
//   (import "spectest" "global_i32" (global i32))
//   (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
//   (func (export "div") (param i32) (result i32) i32.const 1 local.get 0 i32.div_u)
//   (func (export "g") (result i32) global.get 0)
//   (global (export "seven") i32 (i32.const 7)))
const std::vector<uint8_t> kMainModule = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x14, 0x04, 0x60, 0x01, 0x7f, 0x00, 0x60,
    0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x01, 0x7f, 0x02, 0x2d,
    0x02, 0x08, 0x73, 0x70, 0x65, 0x63, 0x74, 0x65, 0x73, 0x74, 0x09, 0x70, 0x72, 0x69, 0x6e, 0x74,
    0x5f, 0x69, 0x33, 0x32, 0x00, 0x00, 0x08, 0x73, 0x70, 0x65, 0x63, 0x74, 0x65, 0x73, 0x74, 0x0a,
    0x67, 0x6c, 0x6f, 0x62, 0x61, 0x6c, 0x5f, 0x69, 0x33, 0x32, 0x03, 0x7f, 0x00, 0x03, 0x04, 0x03,
    0x01, 0x02, 0x03, 0x06, 0x06, 0x01, 0x7f, 0x00, 0x41, 0x07, 0x0b, 0x07, 0x19, 0x04, 0x03, 0x61,
    0x64, 0x64, 0x00, 0x01, 0x03, 0x64, 0x69, 0x76, 0x00, 0x02, 0x01, 0x67, 0x00, 0x03, 0x05, 0x73,
    0x65, 0x76, 0x65, 0x6e, 0x03, 0x01, 0x0a, 0x16, 0x03, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a,
    0x0b, 0x07, 0x00, 0x41, 0x01, 0x20, 0x00, 0x6e, 0x0b, 0x04, 0x00, 0x23, 0x00, 0x0b};

// (module (import "other" "add" (func (param i32 i32) (result i32))))
const std::vector<uint8_t> kImportingModule = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01,
    0x7f, 0x02, 0x0d, 0x01, 0x05, 0x6f, 0x74, 0x68, 0x65, 0x72, 0x03, 0x61, 0x64, 0x64, 0x00, 0x00};

// A wrong version number: malformed.
const std::vector<uint8_t> kMalformedModule = {0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00};

class SpecRunnerTest : public testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::Create();
    ASSERT_TRUE(dir.ok());
    dir_.emplace(std::move(*dir));
    Write("main.wasm", kMainModule);
    Write("imports.wasm", kImportingModule);
    Write("bad.wasm", kMalformedModule);
  }

  void Write(const std::string& name, const std::vector<uint8_t>& bytes) {
    std::ofstream out(dir_->path() + "/" + name, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  }

  // Runs the JSON "commands" list given as text.
  FileResult Run(const std::string& commands_json) {
    auto commands = ParseCommands("{\"commands\": [" + commands_json + "]}");
    EXPECT_TRUE(commands.ok()) << commands.error().message;
    if (!commands.ok()) return {};
    return RunCommands(*commands, dir_->path(), "t.wast", SpecOptions{});
  }

  std::optional<TempDir> dir_;
};

constexpr char kLoadMain[] =
    R"({"type": "module", "line": 1, "name": "$M", "filename": "main.wasm"},)";

TEST_F(SpecRunnerTest, PassingScriptCountsEveryCommandButRegister) {
  FileResult r = Run(std::string(kLoadMain) + R"(
    {"type": "register", "line": 2, "name": "$M", "as": "other"},
    {"type": "assert_return", "line": 3, "action": {"type": "invoke", "field": "add",
     "args": [{"type": "i32", "value": "1"}, {"type": "i32", "value": "2"}]},
     "expected": [{"type": "i32", "value": "3"}]},
    {"type": "assert_return", "line": 4, "action": {"type": "invoke", "field": "g", "args": []},
     "expected": [{"type": "i32", "value": "666"}]},
    {"type": "assert_return", "line": 5, "action": {"type": "get", "module": "$M",
     "field": "seven"}, "expected": [{"type": "i32", "value": "7"}]},
    {"type": "assert_trap", "line": 6, "action": {"type": "invoke", "field": "div",
     "args": [{"type": "i32", "value": "0"}]}, "text": "integer divide by zero",
     "expected": [{"type": "i32"}]},
    {"type": "action", "line": 7, "action": {"type": "invoke", "field": "div",
     "args": [{"type": "i32", "value": "1"}]}, "expected": [{"type": "i32"}]},
    {"type": "module", "line": 8, "filename": "imports.wasm"})");
  EXPECT_EQ(r.failed, 0u) << (r.failures.empty() ? "" : r.failures[0]);
  EXPECT_EQ(r.passed, 7u);
}

TEST_F(SpecRunnerTest, WrongResultsAndTrapTextsFailWithTheirLine) {
  FileResult r = Run(std::string(kLoadMain) + R"(
    {"type": "assert_return", "line": 10, "action": {"type": "invoke", "field": "add",
     "args": [{"type": "i32", "value": "1"}, {"type": "i32", "value": "2"}]},
     "expected": [{"type": "i32", "value": "4"}]},
    {"type": "assert_trap", "line": 11, "action": {"type": "invoke", "field": "div",
     "args": [{"type": "i32", "value": "0"}]}, "text": "integer overflow"},
    {"type": "assert_trap", "line": 12, "action": {"type": "invoke", "field": "div",
     "args": [{"type": "i32", "value": "1"}]}, "text": "integer divide by zero"})");
  EXPECT_EQ(r.passed, 1u);
  ASSERT_EQ(r.failed, 3u);
  ASSERT_EQ(r.failures.size(), 3u);
  EXPECT_EQ(r.failures[0].rfind("t.wast:10: assert_return", 0), 0u) << r.failures[0];
  EXPECT_NE(r.failures[1].find("integer overflow"), std::string::npos) << r.failures[1];
  EXPECT_EQ(r.failures[2].rfind("t.wast:12: ", 0), 0u) << r.failures[2];
}

TEST_F(SpecRunnerTest, UnregisteredImportIsUnlinkable) {
  FileResult r = Run(R"(
    {"type": "assert_unlinkable", "line": 1, "filename": "imports.wasm",
     "text": "unknown import", "module_type": "binary"},
    {"type": "module", "line": 2, "filename": "imports.wasm"})");
  EXPECT_EQ(r.passed, 1u);
  EXPECT_EQ(r.failed, 1u);  // The plain module cannot link either.
}

TEST_F(SpecRunnerTest, MalformedModulesMustFailToLoad) {
  FileResult r = Run(R"(
    {"type": "assert_malformed", "line": 1, "filename": "bad.wasm",
     "text": "unknown binary version", "module_type": "binary"},
    {"type": "assert_malformed", "line": 2, "filename": "never-written.wat",
     "text": "unexpected token", "module_type": "text"},
    {"type": "assert_invalid", "line": 3, "filename": "main.wasm",
     "text": "type mismatch", "module_type": "binary"})");
  EXPECT_EQ(r.passed, 2u);  // The text module passes without being read.
  ASSERT_EQ(r.failed, 1u);
  EXPECT_NE(r.failures[0].find("loaded"), std::string::npos) << r.failures[0];
}

TEST_F(SpecRunnerTest, ActionsWithoutAModuleFailCleanly) {
  FileResult r = Run(R"(
    {"type": "module", "line": 1, "filename": "bad.wasm"},
    {"type": "assert_return", "line": 2, "action": {"type": "invoke", "field": "add",
     "args": []}, "expected": []},
    {"type": "register", "line": 3, "as": "x"})");
  EXPECT_EQ(r.passed, 0u);
  EXPECT_EQ(r.failed, 3u);
}

}  // namespace
}  // namespace shoal::spec
