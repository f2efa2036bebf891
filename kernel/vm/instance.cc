// Module instantiation, in the order WebAssembly 2.0 prescribes: link
// imports, allocate, initialize globals, apply active element and data
// segments (a trap keeps the writes made before it), then run (or defer) start.
#include <cstring>

#include "kernel/vm/compiled_module.h"
#include "kernel/vm/runtime.h"
#include "kernel/vm/thread.h"

namespace shoal::vm {

Instance::Instance(Store& store, std::shared_ptr<const CompiledModule> module)
    : store_(store), compiled_(std::move(module)) {}

const Module& Instance::module() const { return compiled_->module(); }

namespace {

// Evaluates a validated constant expression against the instance's globals
// and functions allocated so far.
Value EvalConstExpr(Instance& inst, const ConstExpr& e) {
  switch (e.kind) {
    case ConstExpr::Kind::kI32Const:
      return Value::I32(uint32_t(e.bits[0]));
    case ConstExpr::Kind::kI64Const:
      return Value::I64(e.bits[0]);
    case ConstExpr::Kind::kF32Const:
      return Value::F32Bits(uint32_t(e.bits[0]));
    case ConstExpr::Kind::kF64Const:
      return Value::F64Bits(e.bits[0]);
    case ConstExpr::Kind::kV128Const:
      return Value::V128(e.bits[0], e.bits[1]);
    case ConstExpr::Kind::kRefNull:
      return Value::Null(e.type);
    case ConstExpr::Kind::kRefFunc:
      return Value::Func(inst.funcs()[e.index]);
    case ConstExpr::Kind::kGlobalGet: {
      const GlobalCell& g = inst.store().global(inst.globals()[e.index]);
      return Value{g.type.type, g.lo, g.hi};
    }
  }
  return Value{};
}

}  // namespace

std::optional<Extern> Instance::GetExport(std::string_view name) const {
  for (const Export& e : module().exports) {
    if (e.name != name) continue;
    switch (e.kind) {
      case ExternKind::kFunc:
        return Extern{e.kind, funcs_[e.index]};
      case ExternKind::kTable:
        return Extern{e.kind, tables_[e.index]};
      case ExternKind::kMemory:
        return Extern{e.kind, memories_[e.index]};
      case ExternKind::kGlobal:
        return Extern{e.kind, globals_[e.index]};
    }
  }
  return std::nullopt;
}

Result<Instance*> Instance::Instantiate(Store& store,
                                        std::shared_ptr<const CompiledModule> compiled,
                                        std::span<const Extern> imports, StartFunction start) {
  const Module& m = compiled->module();
  if (imports.size() != m.imports.size()) {
    return MakeError(Status::kLinkError, "module has " + std::to_string(m.imports.size()) +
                                             " imports but " + std::to_string(imports.size()) +
                                             " were provided");
  }
  for (size_t i = 0; i < imports.size(); ++i) {
    TRY(store.CheckImport(m, m.imports[i], imports[i]));
  }

  store.instances_.push_back(std::unique_ptr<Instance>(new Instance(store, compiled)));
  Instance& inst = *store.instances_.back();

  for (const FuncType& t : m.types) inst.type_ids_.push_back(store.InternType(t));
  for (size_t i = 0; i < imports.size(); ++i) {
    const Extern& ext = imports[i];
    switch (ext.kind) {
      case ExternKind::kFunc:
        inst.funcs_.push_back(ext.addr);
        break;
      case ExternKind::kTable:
        inst.tables_.push_back(ext.addr);
        break;
      case ExternKind::kMemory:
        inst.memories_.push_back(ext.addr);
        break;
      case ExternKind::kGlobal:
        inst.globals_.push_back(ext.addr);
        break;
    }
  }
  for (uint32_t i = 0; i < m.functions.size(); ++i) {
    auto f = std::make_unique<FunctionInstance>();
    f->type = m.types[m.functions[i].type_index];
    f->type_id = inst.type_ids_[m.functions[i].type_index];
    f->instance = &inst;
    f->func_index = m.imported_funcs + i;
    store.funcs_.push_back(std::move(f));
    inst.funcs_.push_back(FuncAddr(store.funcs_.size() - 1));
  }
  for (const TableType& t : m.tables) inst.tables_.push_back(TRY(store.AddTable(t)));
  for (const MemoryType& t : m.memories) inst.memories_.push_back(TRY(store.AddMemory(t)));
  for (const Global& g : m.globals) {
    // Evaluated one by one: an initializer may read only earlier (imported) globals.
    inst.globals_.push_back(store.AddGlobal(g.type, EvalConstExpr(inst, g.init)));
  }

  inst.dropped_elems_.assign(m.elements.size(), false);
  inst.elem_refs_.resize(m.elements.size());
  for (size_t i = 0; i < m.elements.size(); ++i) {
    for (const ConstExpr& item : m.elements[i].items) {
      inst.elem_refs_[i].push_back(EvalConstExpr(inst, item).lo);
    }
  }
  inst.dropped_data_.assign(m.data.size(), false);

  for (size_t i = 0; i < m.elements.size(); ++i) {
    const ElementSegment& seg = m.elements[i];
    if (seg.mode == SegmentMode::kActive) {
      Table& table = store.table(inst.tables_[seg.table_index]);
      const uint64_t offset = EvalConstExpr(inst, seg.offset).i32();
      const std::vector<uint64_t>& refs = inst.elem_refs_[i];
      if (offset + refs.size() > table.size()) {
        return MakeError(Status::kTrap,
                         "out of bounds table access (element segment " + std::to_string(i) + ")");
      }
      std::copy(refs.begin(), refs.end(), table.elems().begin() + offset);
    }
    if (seg.mode != SegmentMode::kPassive) {
      inst.dropped_elems_[i] = true;
      inst.elem_refs_[i].clear();
    }
  }

  for (size_t i = 0; i < m.data.size(); ++i) {
    const DataSegment& seg = m.data[i];
    if (seg.mode != SegmentMode::kActive) continue;
    Memory& memory = store.memory(inst.memories_[seg.memory_index]);
    const uint64_t offset = EvalConstExpr(inst, seg.offset).i32();
    auto dest = memory.Span(offset, seg.data_size);
    if (!dest) {
      return MakeError(Status::kTrap,
                       "out of bounds memory access (data segment " + std::to_string(i) + ")");
    }
    // memcpy wants valid pointers even for zero bytes; an empty memory has none.
    if (seg.data_size != 0) {
      std::memcpy(dest->data(), m.bytes.data() + seg.data_offset, seg.data_size);
      memory.MarkWritten(offset, seg.data_size);
    }
    inst.dropped_data_[i] = true;
  }

  if (m.has_start && start == StartFunction::kDefer) {
    inst.deferred_start_ = inst.funcs_[m.start];
  } else if (m.has_start) {
    Result<std::vector<Value>> r = Invoke(store, inst.funcs_[m.start], {});
    if (!r.ok()) return std::move(r).error();
  }
  return &inst;
}

}  // namespace shoal::vm
