#include "kernel/wasi/wasi_process.h"

#include <time.h>

#include "kernel/wasi/host_calls.h"
#include "kernel/wasi/host_directory.h"
#include "kernel/wasi/stdio_stream.h"

namespace shoal::wasi {
namespace {

// Stands in for a missing sink or source.
class NullSink : public OutputSink {
 public:
  Errno Write(std::span<const uint8_t> bytes) override { return Errno::kSuccess; }
};

vm::FuncType SpecType(const WasiFunctionSpec& spec) {
  vm::FuncType type;
  for (char p : spec.params)
    type.params.push_back(p == 'I' ? vm::ValType::kI64 : vm::ValType::kI32);
  if (spec.returns_errno) type.results.push_back(vm::ValType::kI32);
  return type;
}

std::string ImportName(const vm::Import& import) {
  return "\"" + import.module + "\" \"" + import.name + "\"";
}

vm::HostFunction Bind(WasiProcess* process, const WasiFunctionSpec* spec) {
  return [process, spec](vm::HostCall& call) {
    WasiCall wasi_call(*process, call);
    Errno err = spec->handler(wasi_call);
    if (wasi_call.action == vm::HostAction::kExit) call.exit_code = wasi_call.exit_code;
    if (wasi_call.action != vm::HostAction::kReturn) return wasi_call.action;
    if (spec->returns_errno) call.results[0] = vm::Value::I32(uint16_t(err));
    return vm::HostAction::kReturn;
  };
}

// For WASI functions Shoal does not implement: whatever the guest declared,
// answer ENOSYS in an i32 result and zero in any other.
vm::HostFunction EnosysStub(std::vector<vm::ValType> result_types) {
  return [result_types](vm::HostCall& call) {
    for (size_t i = 0; i < call.results.size() && i < result_types.size(); ++i) {
      call.results[i] = vm::Value{result_types[i], 0, 0};
    }
    if (!call.results.empty() && result_types[0] == vm::ValType::kI32) {
      call.results[0] = vm::Value::I32(uint16_t(Errno::kNosys));
    }
    return vm::HostAction::kReturn;
  };
}

}  // namespace

uint64_t MonotonicNowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1'000'000'000ull + uint64_t(ts.tv_nsec);
}

uint64_t RealtimeNowNs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return uint64_t(ts.tv_sec) * 1'000'000'000ull + uint64_t(ts.tv_nsec);
}

WasiProcess::WasiProcess(WasiConfig config) : config_(std::move(config)) {}

Result<std::unique_ptr<WasiProcess>> WasiProcess::Create(WasiConfig config) {
  std::unique_ptr<WasiProcess> process(new WasiProcess(std::move(config)));
  WasiConfig& c = process->config_;
  std::shared_ptr<InputSource> in = c.stdin_source;
  if (!in) in = std::make_shared<StringSource>("");
  std::shared_ptr<OutputSink> out = c.stdout_sink;
  if (!out) out = std::make_shared<NullSink>();
  process->stderr_sink_ = c.stderr_sink ? c.stderr_sink : std::make_shared<NullSink>();

  auto stdio = [](std::shared_ptr<FileObject> object) {
    Rights rights = object->max_rights();
    return Descriptor{std::move(object), rights, 0, ""};
  };
  process->fds_.InsertAt(0, stdio(StdioStream::ForInput(std::move(in))));
  process->fds_.InsertAt(1, stdio(StdioStream::ForOutput(std::move(out))));
  process->fds_.InsertAt(2, stdio(StdioStream::ForOutput(process->stderr_sink_)));

  for (const Preopen& preopen : c.preopens) {
    if (preopen.guest_path.empty()) {
      return MakeError(Status::kInvalidArgs,
                       "preopen of '" + preopen.host_path + "' has an empty guest path");
    }
    auto dir = HostDirectory::OpenHost(preopen.host_path);
    if (!dir.ok()) {
      Status status = dir.error() == Errno::kNoent ? Status::kNotFound : Status::kIoError;
      return MakeError(status, "cannot open directory '" + preopen.host_path + "' (WASI errno " +
                                   std::to_string(int(dir.error())) + ")");
    }
    Descriptor d{std::move(dir).value(), kDirectoryRights, kDirectoryRights | kFileRights,
                 preopen.guest_path};
    auto fd = process->fds_.Insert(std::move(d));
    if (!fd.ok()) return MakeError(Status::kNoMemory, "too many preopened directories");
  }
  return process;
}

Result<std::vector<vm::Extern>> WasiProcess::LinkImports(vm::Store& store,
                                                         const vm::Module& module) {
  std::vector<vm::Extern> externs;
  externs.reserve(module.imports.size());
  for (const vm::Import& import : module.imports) {
    if (import.module != kWasiModuleName) {
      return MakeError(Status::kLinkError, "unknown import " + ImportName(import));
    }
    if (import.kind != vm::ExternKind::kFunc || import.func_type_index >= module.types.size()) {
      return MakeError(Status::kLinkError,
                       "incompatible import type: " + ImportName(import) + " must be a function");
    }
    const vm::FuncType& wanted = module.types[import.func_type_index];
    const WasiFunctionSpec* spec = FindWasiFunction(import.name);
    vm::FuncAddr addr;
    if (spec == nullptr) {
      addr = store.AddHostFunction(wanted, EnosysStub(wanted.results),
                                   import.module + "." + import.name);
    } else {
      vm::FuncType type = SpecType(*spec);
      if (type != wanted) {
        return MakeError(Status::kLinkError, "incompatible import type: " + ImportName(import) +
                                                 " is " + vm::FuncTypeString(type) +
                                                 ", the module expects " +
                                                 vm::FuncTypeString(wanted));
      }
      addr = store.AddHostFunction(std::move(type), Bind(this, spec),
                                   import.module + "." + import.name);
    }
    externs.push_back(vm::Extern{vm::ExternKind::kFunc, addr});
  }
  return externs;
}

}  // namespace shoal::wasi
