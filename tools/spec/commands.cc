#include "tools/spec/commands.h"

#include <nlohmann/json.hpp>

namespace shoal::spec {
namespace {

using nlohmann::json;

Error Bad(uint32_t line, std::string what) {
  return MakeError(Status::kMalformed,
                   "bad command" + (line ? " at line " + std::to_string(line) : "") + ": " + what);
}

// Reads an optional string member; missing is "", present but not a string
// is an error.
Result<std::string> StringField(const json& obj, const char* key, uint32_t line) {
  auto it = obj.find(key);
  if (it == obj.end()) return std::string();
  if (!it->is_string()) return Bad(line, std::string(key) + " is not a string");
  return it->get<std::string>();
}

Result<CommandType> ParseType(std::string_view name, uint32_t line) {
  if (name == "module") return CommandType::kModule;
  if (name == "register") return CommandType::kRegister;
  if (name == "action") return CommandType::kAction;
  if (name == "assert_return") return CommandType::kAssertReturn;
  if (name == "assert_trap") return CommandType::kAssertTrap;
  if (name == "assert_exhaustion") return CommandType::kAssertExhaustion;
  if (name == "assert_invalid") return CommandType::kAssertInvalid;
  if (name == "assert_malformed") return CommandType::kAssertMalformed;
  if (name == "assert_unlinkable") return CommandType::kAssertUnlinkable;
  if (name == "assert_uninstantiable") return CommandType::kAssertUninstantiable;
  return Bad(line, "unknown command type \"" + std::string(name) + "\"");
}

// A typed value object: {"type": "i32", "value": "1"} or, for v128,
// {"type": "v128", "lane_type": "i32", "value": ["1", "2", "3", "4"]}.
struct RawValue {
  vm::ValType type = vm::ValType::kI32;
  LaneType lane = LaneType::kI32;
  std::vector<std::string> value;
};

Result<RawValue> ParseRawValue(const json& obj, uint32_t line) {
  if (!obj.is_object()) return Bad(line, "a value is not an object");
  std::string type_name = TRY(StringField(obj, "type", line));
  auto type = ParseValType(type_name);
  if (!type.ok()) return Bad(line, type.error().message);
  RawValue out;
  out.type = *type;
  if (*type == vm::ValType::kV128) {
    std::string lane_name = TRY(StringField(obj, "lane_type", line));
    auto lane = ParseLaneType(lane_name);
    if (!lane.ok()) return Bad(line, lane.error().message);
    out.lane = *lane;
  }
  auto it = obj.find("value");
  if (it == obj.end()) return out;
  if (it->is_string()) {
    out.value.push_back(it->get<std::string>());
  } else if (it->is_array()) {
    for (const json& lane : *it) {
      if (!lane.is_string()) return Bad(line, "a lane value is not a string");
      out.value.push_back(lane.get<std::string>());
    }
  } else {
    return Bad(line, "a value is neither a string nor a list");
  }
  return out;
}

Result<Action> ParseAction(const json& obj, uint32_t line) {
  if (!obj.is_object()) return Bad(line, "action is not an object");
  Action action;
  std::string kind = TRY(StringField(obj, "type", line));
  if (kind == "invoke") {
    action.kind = Action::Kind::kInvoke;
  } else if (kind == "get") {
    action.kind = Action::Kind::kGet;
  } else {
    return Bad(line, "unknown action \"" + kind + "\"");
  }
  action.module = TRY(StringField(obj, "module", line));
  action.field = TRY(StringField(obj, "field", line));
  auto args = obj.find("args");
  if (args != obj.end()) {
    if (!args->is_array()) return Bad(line, "args is not a list");
    for (const json& arg : *args) {
      RawValue raw = TRY(ParseRawValue(arg, line));
      auto value = MakeArgument(raw.type, raw.lane, raw.value);
      if (!value.ok()) return Bad(line, value.error().message);
      action.args.push_back(*value);
    }
  }
  return action;
}

Result<Command> ParseCommand(const json& obj) {
  if (!obj.is_object()) return Bad(0, "a command is not an object");
  Command cmd;
  auto line = obj.find("line");
  if (line != obj.end() && line->is_number_unsigned()) cmd.line = line->get<uint32_t>();
  std::string type_name = TRY(StringField(obj, "type", cmd.line));
  cmd.type = TRY(ParseType(type_name, cmd.line));
  cmd.filename = TRY(StringField(obj, "filename", cmd.line));
  cmd.name = TRY(StringField(obj, "name", cmd.line));
  cmd.as = TRY(StringField(obj, "as", cmd.line));
  cmd.text = TRY(StringField(obj, "text", cmd.line));
  std::string module_type = TRY(StringField(obj, "module_type", cmd.line));
  cmd.module_type = module_type == "text" ? ModuleType::kText : ModuleType::kBinary;

  auto action = obj.find("action");
  if (action != obj.end()) {
    cmd.has_action = true;
    cmd.action = TRY(ParseAction(*action, cmd.line));
  }
  // Only assert_return's expectations are values; assert_trap lists result
  // types without values, which the runner has no use for.
  auto expected = obj.find("expected");
  if (cmd.type == CommandType::kAssertReturn && expected != obj.end()) {
    if (!expected->is_array()) return Bad(cmd.line, "expected is not a list");
    for (const json& e : *expected) {
      RawValue raw = TRY(ParseRawValue(e, cmd.line));
      auto value = MakeExpected(raw.type, raw.lane, raw.value);
      if (!value.ok()) return Bad(cmd.line, value.error().message);
      cmd.expected.push_back(std::move(*value));
    }
  }

  switch (cmd.type) {
    case CommandType::kAction:
    case CommandType::kAssertReturn:
    case CommandType::kAssertExhaustion:
      if (!cmd.has_action) return Bad(cmd.line, type_name + " without an action");
      break;
    case CommandType::kRegister:
      if (cmd.as.empty()) return Bad(cmd.line, "register without \"as\"");
      break;
    case CommandType::kAssertTrap:
      if (!cmd.has_action && cmd.filename.empty()) {
        return Bad(cmd.line, "assert_trap with neither action nor module");
      }
      break;
    default:
      if (cmd.filename.empty()) return Bad(cmd.line, type_name + " without a filename");
      break;
  }
  return cmd;
}

}  // namespace

std::string_view CommandTypeName(CommandType type) {
  switch (type) {
    case CommandType::kModule:
      return "module";
    case CommandType::kRegister:
      return "register";
    case CommandType::kAction:
      return "action";
    case CommandType::kAssertReturn:
      return "assert_return";
    case CommandType::kAssertTrap:
      return "assert_trap";
    case CommandType::kAssertExhaustion:
      return "assert_exhaustion";
    case CommandType::kAssertInvalid:
      return "assert_invalid";
    case CommandType::kAssertMalformed:
      return "assert_malformed";
    case CommandType::kAssertUnlinkable:
      return "assert_unlinkable";
    case CommandType::kAssertUninstantiable:
      return "assert_uninstantiable";
  }
  return "?";
}

Result<std::vector<Command>> ParseCommands(std::string_view json_text) {
  json doc = json::parse(json_text.begin(), json_text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Bad(0, "the file is not valid JSON");
  if (!doc.is_object()) return Bad(0, "the top level is not an object");
  auto commands = doc.find("commands");
  if (commands == doc.end() || !commands->is_array()) return Bad(0, "no \"commands\" list");
  std::vector<Command> out;
  out.reserve(commands->size());
  for (const json& c : *commands) out.push_back(TRY(ParseCommand(c)));
  return out;
}

}  // namespace shoal::spec
