#include "tools/spec/spec_runner.h"

#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>

#include "kernel/vm/compiled_module.h"
#include "kernel/vm/thread.h"
#include "tools/spec/spectest_host.h"
#include "tools/spec/wast2json.h"

namespace shoal::spec {
namespace {

using vm::Extern;
using vm::ExternKind;
using vm::Instance;
using vm::Value;

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError(Status::kIoError, "cannot read " + path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string BaseName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

bool StartsWith(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

// Quotes a name or message for one output line; control characters (export
// names in names.wast contain newlines) are written as \xx escapes.
std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%02x", c);
      out += buf;
    } else {
      out += char(c);
    }
  }
  return out + "\"";
}

std::string ErrorString(const Error& e) {
  return std::string(StatusName(e.status)) + ": " + Quote(e.message);
}

// The state of one script: its store, the modules it named or registered,
// and the current (most recently instantiated) module.
class ScriptRunner {
 public:
  ScriptRunner(std::string dir, std::string display_name, const SpecOptions& options)
      : dir_(std::move(dir)), display_name_(std::move(display_name)), options_(options) {}

  FileResult Run(const std::vector<Command>& commands) {
    auto spectest =
        AddSpectestModule(store_, options_.verbose ? PrintCalls::kToStdout : PrintCalls::kSilent);
    if (spectest.ok()) {
      registry_["spectest"] = std::move(*spectest);
    } else {
      Fail(0, "setup", "cannot create the spectest module: " + ErrorString(spectest.error()));
    }
    for (const Command& cmd : commands) RunOne(cmd);
    return std::move(result_);
  }

 private:
  void Pass() { ++result_.passed; }

  void Fail(uint32_t line, std::string_view what, const std::string& why) {
    ++result_.failed;
    std::string msg =
        display_name_ + ":" + std::to_string(line) + ": " + std::string(what) + ": " + why;
    if (options_.verbose) std::printf("%s\n", msg.c_str());
    result_.failures.push_back(std::move(msg));
  }

  // Accepted, but worth a teammate's attention (a wrong error text).
  void Note(const Command& cmd, const std::string& why) {
    if (options_.verbose) {
      std::printf("%s:%u: note: %s: %s\n", display_name_.c_str(), cmd.line,
                  std::string(CommandTypeName(cmd.type)).c_str(), why.c_str());
    }
  }

  void RunOne(const Command& cmd) {
    const std::string_view what = CommandTypeName(cmd.type);
    switch (cmd.type) {
      case CommandType::kModule:
        return RunModule(cmd);
      case CommandType::kRegister:
        return RunRegister(cmd);
      case CommandType::kAction: {
        auto r = RunAction(cmd.action);
        if (r.ok()) return Pass();
        return Fail(cmd.line, what, ActionName(cmd.action) + " failed: " + ErrorString(r.error()));
      }
      case CommandType::kAssertReturn:
        return RunAssertReturn(cmd);
      case CommandType::kAssertTrap:
        if (cmd.has_action) return ExpectActionError(cmd, Status::kTrap);
        return ExpectInstantiateError(cmd, Status::kTrap);
      case CommandType::kAssertExhaustion:
        return ExpectActionError(cmd, Status::kExhausted);
      case CommandType::kAssertInvalid:
      case CommandType::kAssertMalformed:
        return ExpectLoadError(cmd);
      case CommandType::kAssertUnlinkable:
        return ExpectInstantiateError(cmd, Status::kLinkError);
      case CommandType::kAssertUninstantiable:
        return ExpectInstantiateError(cmd, Status::kTrap);
    }
  }

  Result<std::shared_ptr<const vm::CompiledModule>> Load(const std::string& filename) {
    std::string bytes = TRY(ReadFile(dir_ + "/" + filename));
    return vm::LoadModule(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  }

  // Resolves imports by (module, name) in the registry; instantiates.
  Result<Instance*> Instantiate(std::shared_ptr<const vm::CompiledModule> module) {
    std::vector<Extern> imports;
    for (const vm::Import& imp : module->module().imports) {
      auto m = registry_.find(imp.module);
      if (m == registry_.end()) {
        return MakeError(Status::kLinkError, "unknown import " + Quote(imp.module) + " " +
                                                 Quote(imp.name) + ": no module registered as " +
                                                 Quote(imp.module));
      }
      auto e = m->second.find(imp.name);
      if (e == m->second.end()) {
        return MakeError(Status::kLinkError, "unknown import " + Quote(imp.module) + " " +
                                                 Quote(imp.name) + ": no such export");
      }
      imports.push_back(e->second);
    }
    return Instance::Instantiate(store_, std::move(module), imports);
  }

  void RunModule(const Command& cmd) {
    current_ = nullptr;  // A failed module must not leave its predecessor in charge.
    auto module = Load(cmd.filename);
    if (!module.ok()) return Fail(cmd.line, "module", "load: " + ErrorString(module.error()));
    auto instance = Instantiate(std::move(*module));
    if (!instance.ok()) {
      return Fail(cmd.line, "module", "instantiate: " + ErrorString(instance.error()));
    }
    current_ = *instance;
    if (!cmd.name.empty()) named_[cmd.name] = current_;
    Pass();
  }

  void RunRegister(const Command& cmd) {
    Instance* instance = cmd.name.empty() ? current_ : Find(cmd.name);
    if (instance == nullptr) {
      return Fail(cmd.line, "register", "no module " + (cmd.name.empty() ? "loaded" : cmd.name));
    }
    ExportMap exports;
    for (const vm::Export& e : instance->module().exports) {
      if (auto ext = instance->GetExport(e.name)) exports[e.name] = *ext;
    }
    registry_[cmd.as] = std::move(exports);
    // Not counted when it works, like spectest-interp.
  }

  Instance* Find(const std::string& name) {
    auto it = named_.find(name);
    return it == named_.end() ? nullptr : it->second;
  }

  static std::string ActionName(const Action& a) {
    return std::string(a.kind == Action::Kind::kInvoke ? "invoke " : "get ") + Quote(a.field) +
           (a.module.empty() ? "" : " in " + a.module);
  }

  Result<std::vector<Value>> RunAction(const Action& action) {
    Instance* instance = action.module.empty() ? current_ : Find(action.module);
    if (instance == nullptr) {
      return MakeError(Status::kNotFound,
                       action.module.empty() ? "no current module" : "no module " + action.module);
    }
    std::optional<Extern> ext = instance->GetExport(action.field);
    if (!ext) return MakeError(Status::kNotFound, "no export " + Quote(action.field));
    if (action.kind == Action::Kind::kGet) {
      if (ext->kind != ExternKind::kGlobal) {
        return MakeError(Status::kNotFound, Quote(action.field) + " is not a global");
      }
      const vm::GlobalCell& cell = store_.global(ext->addr);
      return std::vector<Value>{Value{cell.type.type, cell.lo, cell.hi}};
    }
    if (ext->kind != ExternKind::kFunc) {
      return MakeError(Status::kNotFound, Quote(action.field) + " is not a function");
    }
    return vm::Invoke(store_, ext->addr, action.args);
  }

  void RunAssertReturn(const Command& cmd) {
    auto results = RunAction(cmd.action);
    if (!results.ok()) {
      return Fail(cmd.line, "assert_return",
                  ActionName(cmd.action) + " failed: " + ErrorString(results.error()));
    }
    bool ok = results->size() == cmd.expected.size();
    for (size_t i = 0; ok && i < cmd.expected.size(); ++i) {
      ok = Matches(cmd.expected[i], (*results)[i]);
    }
    if (ok) return Pass();
    std::string got, want;
    for (const Value& v : *results) got += (got.empty() ? "" : ", ") + FormatValue(v);
    for (const ExpectedValue& e : cmd.expected) {
      want += (want.empty() ? "" : ", ") + FormatExpected(e);
    }
    Fail(cmd.line, "assert_return",
         ActionName(cmd.action) + ": got (" + got + "), expected (" + want + ")");
  }

  // Checks that `error` has status `want` and a message starting with the
  // test's text; strict, because trap and link texts are part of the spec.
  void CheckError(const Command& cmd, const Error& error, Status want, const std::string& doing) {
    const std::string_view what = CommandTypeName(cmd.type);
    if (error.status != want) {
      return Fail(cmd.line, what,
                  doing + ": expected " + std::string(StatusName(want)) + " " + Quote(cmd.text) +
                      ", got " + ErrorString(error));
    }
    if (!StartsWith(error.message, cmd.text)) {
      return Fail(
          cmd.line, what,
          doing + ": expected message " + Quote(cmd.text) + ", got " + Quote(error.message));
    }
    Pass();
  }

  void ExpectActionError(const Command& cmd, Status want) {
    auto results = RunAction(cmd.action);
    if (results.ok()) {
      std::string got;
      for (const Value& v : *results) got += (got.empty() ? "" : ", ") + FormatValue(v);
      return Fail(cmd.line, CommandTypeName(cmd.type),
                  ActionName(cmd.action) + " returned (" + got + "), expected " + Quote(cmd.text));
    }
    CheckError(cmd, results.error(), want, ActionName(cmd.action));
  }

  void ExpectInstantiateError(const Command& cmd, Status want) {
    const std::string_view what = CommandTypeName(cmd.type);
    auto module = Load(cmd.filename);
    if (!module.ok()) return Fail(cmd.line, what, "load: " + ErrorString(module.error()));
    auto instance = Instantiate(std::move(*module));
    if (instance.ok()) {
      return Fail(cmd.line, what, "instantiated, expected " + Quote(cmd.text));
    }
    CheckError(cmd, instance.error(), want, "instantiate");
  }

  // assert_malformed / assert_invalid: the module must fail to load with
  // kMalformed or kInvalid. Lenient on purpose: which stage rejects a module
  // (and its words) differs between engines; mismatches are notes in -v mode.
  void ExpectLoadError(const Command& cmd) {
    const std::string_view what = CommandTypeName(cmd.type);
    if (cmd.module_type == ModuleType::kText) return Pass();  // See the header.
    auto module = Load(cmd.filename);
    if (module.ok()) return Fail(cmd.line, what, "loaded, expected " + Quote(cmd.text));
    const Error& e = module.error();
    if (e.status != Status::kMalformed && e.status != Status::kInvalid) {
      return Fail(cmd.line, what, "expected " + Quote(cmd.text) + ", got " + ErrorString(e));
    }
    const Status want =
        cmd.type == CommandType::kAssertMalformed ? Status::kMalformed : Status::kInvalid;
    if (e.status != want || !StartsWith(e.message, cmd.text)) {
      Note(cmd, "expected " + std::string(StatusName(want)) + " " + Quote(cmd.text) + ", got " +
                    ErrorString(e));
    }
    Pass();
  }

  vm::Store store_;
  std::string dir_;
  std::string display_name_;
  const SpecOptions& options_;
  FileResult result_;
  std::map<std::string, ExportMap, std::less<>> registry_;
  std::map<std::string, Instance*, std::less<>> named_;
  Instance* current_ = nullptr;
};

}  // namespace

FileResult RunCommands(const std::vector<Command>& commands, const std::string& dir,
                       const std::string& display_name, const SpecOptions& options) {
  ScriptRunner runner(dir, display_name, options);
  return runner.Run(commands);
}

Result<FileResult> RunJsonFile(const std::string& json_path, const std::string& display_name,
                               const SpecOptions& options) {
  std::string text = TRY(ReadFile(json_path));
  auto commands = ParseCommands(text);
  if (!commands.ok()) {
    return MakeError(commands.error().status, json_path + ": " + commands.error().message);
  }
  return RunCommands(*commands, DirName(json_path), display_name, options);
}

Result<FileResult> RunWastFile(const std::string& wast_path, const SpecOptions& options) {
  TempDir tmp = TRY(TempDir::Create());
  const std::string json = tmp.path() + "/x.json";
  TRY(RunWast2Json(options.wast2json, wast_path, json));
  return RunJsonFile(json, BaseName(wast_path), options);
}

}  // namespace shoal::spec
