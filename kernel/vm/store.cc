#include <utility>

#include "kernel/vm/compiled_module.h"
#include "kernel/vm/runtime.h"

namespace shoal::vm {

Store::Store() = default;
Store::~Store() = default;

FuncAddr Store::AddHostFunction(FuncType type, HostFunction fn, std::string debug_name) {
  auto f = std::make_unique<FunctionInstance>();
  f->type_id = InternType(type);
  f->type = std::move(type);
  f->host = std::move(fn);
  f->debug_name = std::move(debug_name);
  funcs_.push_back(std::move(f));
  return FuncAddr(funcs_.size() - 1);
}

uint32_t Store::InternType(const FuncType& type) {
  // Stores hold few distinct signatures; a linear scan beats hashing here.
  for (size_t i = 0; i < interned_types_.size(); ++i) {
    if (interned_types_[i] == type) return uint32_t(i);
  }
  interned_types_.push_back(type);
  return uint32_t(interned_types_.size() - 1);
}

Result<MemAddr> Store::AddMemory(MemoryType type) {
  std::unique_ptr<Memory> memory = TRY(Memory::Create(type));
  memories_.push_back(std::move(memory));
  return MemAddr(memories_.size() - 1);
}

Result<TableAddr> Store::AddTable(TableType type, uint64_t init_ref) {
  if (type.limits.min > Table::kMaxElems) {
    return MakeError(Status::kNoMemory, "table of " + std::to_string(type.limits.min) +
                                            " elements exceeds the limit of " +
                                            std::to_string(Table::kMaxElems));
  }
  tables_.push_back(std::make_unique<Table>(type, init_ref));
  return TableAddr(tables_.size() - 1);
}

GlobalAddr Store::AddGlobal(GlobalType type, Value init) {
  globals_.push_back(std::make_unique<GlobalCell>(GlobalCell{type, init.lo, init.hi}));
  return GlobalAddr(globals_.size() - 1);
}

namespace {

// Import subtyping of limits: the provided range must lie within the expected.
bool LimitsMatch(const Limits& actual, const Limits& expected) {
  if (actual.min < expected.min) return false;
  if (!expected.max) return true;
  return actual.max && *actual.max <= *expected.max;
}

std::string ImportName(const Import& import) {
  return "\"" + import.module + "\" \"" + import.name + "\"";
}

}  // namespace

VoidResult Store::CheckImport(const Module& module, const Import& import, const Extern& ext) {
  auto incompatible = [&](std::string why) {
    return MakeError(Status::kLinkError,
                     "incompatible import type for " + ImportName(import) + ": " + why);
  };
  if (ext.kind != import.kind) {
    return incompatible("expected a " + std::string(ExternKindName(import.kind)) + ", got a " +
                        std::string(ExternKindName(ext.kind)));
  }
  switch (import.kind) {
    case ExternKind::kFunc: {
      if (ext.addr >= funcs_.size()) return incompatible("no such function");
      const FuncType& expected = module.types[import.func_type_index];
      if (funcs_[ext.addr]->type != expected) {
        return incompatible("expected " + FuncTypeString(expected) + ", got " +
                            FuncTypeString(funcs_[ext.addr]->type));
      }
      return Ok();
    }
    case ExternKind::kTable: {
      if (ext.addr >= tables_.size()) return incompatible("no such table");
      const Table& t = *tables_[ext.addr];
      if (t.type().elem_type != import.table.elem_type) return incompatible("element type differs");
      Limits actual{t.size(), t.type().limits.max};
      if (!LimitsMatch(actual, import.table.limits)) return incompatible("table limits differ");
      return Ok();
    }
    case ExternKind::kMemory: {
      if (ext.addr >= memories_.size()) return incompatible("no such memory");
      const Memory& m = *memories_[ext.addr];
      Limits actual{m.pages(), m.type().limits.max};
      if (!LimitsMatch(actual, import.memory.limits)) return incompatible("memory limits differ");
      return Ok();
    }
    case ExternKind::kGlobal: {
      if (ext.addr >= globals_.size()) return incompatible("no such global");
      const GlobalType& g = globals_[ext.addr]->type;
      if (g.type != import.global.type || g.mutability != import.global.mutability) {
        return incompatible("global type or mutability differs");
      }
      return Ok();
    }
  }
  return incompatible("unknown kind");
}

Memory* HostCall::memory() const {
  if (caller == nullptr || caller->memories().empty()) return nullptr;
  return &caller->store().memory(caller->memories()[0]);
}

}  // namespace shoal::vm
