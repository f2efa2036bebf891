#include "tools/spec/commands.h"

#include <gtest/gtest.h>

namespace shoal::spec {
namespace {

using vm::ValType;

TEST(ParseCommandsTest, ReadsModulesActionsAndExpectations) {
  auto cmds = ParseCommands(R"({"source_filename": "x.wast", "commands": [
    {"type": "module", "line": 3, "name": "$M", "filename": "x.0.wasm"},
    {"type": "register", "line": 4, "name": "$M", "as": "m"},
    {"type": "assert_return", "line": 5,
     "action": {"type": "invoke", "module": "$M", "field": "add",
                "args": [{"type": "i32", "value": "1"}, {"type": "i64", "value": "2"}]},
     "expected": [{"type": "f32", "value": "nan:canonical"}]},
    {"type": "assert_trap", "line": 6, "action": {"type": "get", "field": "g"},
     "text": "unreachable", "expected": [{"type": "i32"}]}
  ]})");
  ASSERT_TRUE(cmds.ok()) << cmds.error().message;
  ASSERT_EQ(cmds->size(), 4u);
  const Command& module = (*cmds)[0];
  EXPECT_EQ(module.type, CommandType::kModule);
  EXPECT_EQ(module.line, 3u);
  EXPECT_EQ(module.name, "$M");
  EXPECT_EQ(module.filename, "x.0.wasm");
  EXPECT_EQ((*cmds)[1].as, "m");

  const Command& ret = (*cmds)[2];
  EXPECT_EQ(ret.action.kind, Action::Kind::kInvoke);
  EXPECT_EQ(ret.action.module, "$M");
  EXPECT_EQ(ret.action.field, "add");
  ASSERT_EQ(ret.action.args.size(), 2u);
  EXPECT_EQ(ret.action.args[0], vm::Value::I32(1));
  EXPECT_EQ(ret.action.args[1], vm::Value::I64(2));
  ASSERT_EQ(ret.expected.size(), 1u);
  EXPECT_EQ(ret.expected[0].lanes[0].nan, NanPattern::kCanonical);

  const Command& trap = (*cmds)[3];
  EXPECT_TRUE(trap.has_action);
  EXPECT_EQ(trap.action.kind, Action::Kind::kGet);
  EXPECT_EQ(trap.text, "unreachable");
}

TEST(ParseCommandsTest, ReadsV128AndReferenceValues) {
  auto cmds = ParseCommands(R"({"commands": [
    {"type": "assert_return", "line": 1,
     "action": {"type": "invoke", "field": "f",
                "args": [{"type": "v128", "lane_type": "i16",
                          "value": ["1","2","3","4","5","6","7","65535"]},
                         {"type": "externref", "value": "3"}]},
     "expected": [{"type": "v128", "lane_type": "f64", "value": ["nan:arithmetic", "0"]},
                  {"type": "funcref"}, {"type": "externref", "value": "null"}]}]})");
  ASSERT_TRUE(cmds.ok()) << cmds.error().message;
  const Command& c = (*cmds)[0];
  ASSERT_EQ(c.action.args.size(), 2u);
  EXPECT_EQ(c.action.args[0].type, ValType::kV128);
  EXPECT_EQ(c.action.args[0].hi, 0xffff000700060005u);
  EXPECT_EQ(c.action.args[1], vm::Value::Extern(3));
  ASSERT_EQ(c.expected.size(), 3u);
  EXPECT_EQ(c.expected[0].lane, LaneType::kF64);
  EXPECT_EQ(c.expected[0].lanes[0].nan, NanPattern::kArithmetic);
  EXPECT_TRUE(c.expected[1].any_ref);
  EXPECT_FALSE(c.expected[2].any_ref);
  EXPECT_EQ(c.expected[2].lanes[0].bits, 0u);
}

TEST(ParseCommandsTest, TextModulesAreMarked) {
  auto cmds = ParseCommands(R"({"commands": [
    {"type": "assert_malformed", "line": 9, "filename": "x.1.wat",
     "text": "unexpected token", "module_type": "text"},
    {"type": "assert_invalid", "line": 10, "filename": "x.2.wasm",
     "text": "type mismatch", "module_type": "binary"}]})");
  ASSERT_TRUE(cmds.ok()) << cmds.error().message;
  EXPECT_EQ((*cmds)[0].module_type, ModuleType::kText);
  EXPECT_EQ((*cmds)[1].module_type, ModuleType::kBinary);
  EXPECT_EQ((*cmds)[1].type, CommandType::kAssertInvalid);
}

TEST(ParseCommandsTest, BadInputIsAnErrorNotACrash) {
  EXPECT_FALSE(ParseCommands("not json").ok());
  EXPECT_FALSE(ParseCommands("[]").ok());
  EXPECT_FALSE(ParseCommands(R"({"commands": [{"type": "frobnicate", "line": 1}]})").ok());
  EXPECT_FALSE(ParseCommands(R"({"commands": [{"type": "module", "line": 1}]})").ok());
  EXPECT_FALSE(ParseCommands(R"({"commands": [{"type": "module", "filename": 7}]})").ok());
  EXPECT_FALSE(ParseCommands(R"({"commands": [{"type": "action", "line": 1,
      "action": {"type": "invoke", "field": "f",
                 "args": [{"type": "i32", "value": "99999999999"}]}}]})")
                   .ok());
  EXPECT_FALSE(ParseCommands(R"({"commands": [{"type": "assert_return", "line": 1,
      "action": {"type": "invoke", "field": "f", "args": [{"type": "i32", "value": 1}]},
      "expected": []}]})")
                   .ok());
}

}  // namespace
}  // namespace shoal::spec
