// Linking a process's imports: wasi_snapshot_preview1 functions are served by
// its WasiProcess, `shoal` functions by the ABI table (abi.h). Anything else
// is a kLinkError.
#pragma once

#include <vector>

#include "kernel/base/result.h"
#include "kernel/vm/module.h"
#include "kernel/vm/runtime.h"

namespace shoal::kernel {
class Process;
}

namespace shoal::kernel::abi {

// Registers one host function per import of `module` in `store` and returns
// the externs for Instance::Instantiate(), in import order. The functions
// refer to `process`, which must outlive every Run() of the store.
Result<std::vector<vm::Extern>> LinkProcessImports(vm::Store& store, const vm::Module& module,
                                                   Process& process);

}  // namespace shoal::kernel::abi
