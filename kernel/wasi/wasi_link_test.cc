// Linking a module's imports against WASI (needs the VM runtime's Store).
#include <gtest/gtest.h>

#include "kernel/vm/thread.h"
#include "kernel/wasi/wasi_process.h"

namespace shoal::wasi {
namespace {

using vm::ValType;

vm::Import FuncImport(std::string module, std::string name, uint32_t type) {
  vm::Import import;
  import.module = std::move(module);
  import.name = std::move(name);
  import.kind = vm::ExternKind::kFunc;
  import.func_type_index = type;
  return import;
}

class WasiLinkTest : public ::testing::Test {
 protected:
  WasiLinkTest() {
    module_.types = {
        {{ValType::kI32, ValType::kI32, ValType::kI32, ValType::kI32}, {ValType::kI32}},
        {{ValType::kI32}, {}},
    };
    auto process = WasiProcess::Create(WasiConfig{});
    EXPECT_TRUE(process.ok());
    process_ = std::move(process).value();
  }
  vm::Module module_;
  vm::Store store_;
  std::unique_ptr<WasiProcess> process_;
};

TEST_F(WasiLinkTest, ReturnsOneExternPerImportWithTheDeclaredTypes) {
  module_.imports = {FuncImport("wasi_snapshot_preview1", "fd_write", 0),
                     FuncImport("wasi_snapshot_preview1", "proc_exit", 1)};
  module_.imported_funcs = 2;
  auto externs = process_->LinkImports(store_, module_);
  ASSERT_TRUE(externs.ok()) << externs.error().message;
  ASSERT_EQ(externs->size(), 2u);
  EXPECT_EQ(store_.func((*externs)[0].addr).type, module_.types[0]);
  EXPECT_EQ(store_.func((*externs)[1].addr).type, module_.types[1]);
}

TEST_F(WasiLinkTest, UnknownWasiFunctionLinksAndReturnsEnosys) {
  module_.imports = {FuncImport("wasi_snapshot_preview1", "sock_send", 0)};
  auto externs = process_->LinkImports(store_, module_);
  ASSERT_TRUE(externs.ok()) << externs.error().message;
  vm::FunctionInstance& fn = store_.func((*externs)[0].addr);
  vm::Thread thread(store_);
  std::vector<vm::Value> args(4, vm::Value::I32(0));
  std::vector<vm::Value> results(1);
  vm::HostCall call{thread, nullptr, args, results, "", 0};
  EXPECT_EQ(fn.host(call), vm::HostAction::kReturn);
  EXPECT_EQ(results[0], vm::Value::I32(uint32_t(Errno::kNosys)));
}

TEST_F(WasiLinkTest, ImportFromAnotherModuleIsALinkError) {
  module_.imports = {FuncImport("env", "f", 1)};
  auto externs = process_->LinkImports(store_, module_);
  ASSERT_FALSE(externs.ok());
  EXPECT_EQ(externs.error().status, Status::kLinkError);
  EXPECT_NE(externs.error().message.find("unknown import"), std::string::npos);
}

TEST_F(WasiLinkTest, KnownFunctionWithTheWrongTypeIsALinkError) {
  module_.imports = {FuncImport("wasi_snapshot_preview1", "fd_write", 1)};
  auto externs = process_->LinkImports(store_, module_);
  ASSERT_FALSE(externs.ok());
  EXPECT_EQ(externs.error().status, Status::kLinkError);
  EXPECT_NE(externs.error().message.find("incompatible import type"), std::string::npos);
}

TEST_F(WasiLinkTest, NonFunctionWasiImportIsALinkError) {
  vm::Import memory;
  memory.module = "wasi_snapshot_preview1";
  memory.name = "memory";
  memory.kind = vm::ExternKind::kMemory;
  module_.imports = {memory};
  EXPECT_EQ(process_->LinkImports(store_, module_).error().status, Status::kLinkError);
}

}  // namespace
}  // namespace shoal::wasi
