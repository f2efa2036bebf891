// The commands of a spec-test script, as wast2json writes them to JSON.
//
// Parsing is strict about shape (a malformed JSON file is an Error, never an
// abort) and keeps only what the runner needs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kernel/base/result.h"
#include "kernel/vm/runtime.h"
#include "tools/spec/spec_value.h"

namespace shoal::spec {

enum class CommandType : uint8_t {
  kModule,                // Instantiate a binary module; it becomes the current one.
  kRegister,              // Make a module's exports importable under a name.
  kAction,                // Run an invoke/get and ignore its result (but not a trap).
  kAssertReturn,          // The action returns exactly these values.
  kAssertTrap,            // The action (or instantiating the module) traps.
  kAssertExhaustion,      // The action exhausts the call stack.
  kAssertInvalid,         // The module fails validation.
  kAssertMalformed,       // The module fails to decode.
  kAssertUnlinkable,      // The module's imports do not link.
  kAssertUninstantiable,  // Instantiating the module traps.
};

std::string_view CommandTypeName(CommandType type);

// An invoke (call an exported function) or get (read an exported global).
struct Action {
  enum class Kind : uint8_t { kInvoke, kGet };
  Kind kind = Kind::kInvoke;
  std::string module;  // A module's $name; empty for the current module.
  std::string field;   // The export's name.
  std::vector<vm::Value> args;
};

// Binary modules are run; text ones ("module_type": "text") only appear in
// assert_malformed / assert_invalid for source that wast2json itself rejected.
enum class ModuleType : uint8_t { kBinary, kText };

struct Command {
  CommandType type = CommandType::kModule;
  uint32_t line = 0;
  std::string filename;  // Module file, relative to the JSON file's directory.
  std::string name;      // kModule: the module's $name; kRegister: the module to register.
  std::string as;        // kRegister: the name imports use.
  ModuleType module_type = ModuleType::kBinary;
  bool has_action = false;  // kAssertTrap: an action rather than a module.
  Action action;
  std::vector<ExpectedValue> expected;  // kAssertReturn.
  std::string text;                     // The expected error text of an assert_* on failure.
};

// Parses wast2json's JSON text into commands, in order.
Result<std::vector<Command>> ParseCommands(std::string_view json_text);

}  // namespace shoal::spec
