// Module-level validation (spec "Validation > Modules"), then every function
// body through FunctionValidator.
//
// Checks run in index-space order: types, imports, functions, tables,
// memories, globals, exports, start, elements, data, then code. The first
// failure is reported.
#include "kernel/vm/validator.h"

#include <string>
#include <string_view>
#include <unordered_set>

#include "kernel/vm/validate_context.h"
#include "kernel/vm/validate_function.h"

namespace shoal::vm {

namespace {

Error Invalid(std::string_view rule, const std::string& context) {
  std::string message(rule);
  if (!context.empty()) message += " (" + context + ")";
  return MakeError(Status::kInvalid, std::move(message));
}

std::string Num(uint64_t v) { return std::to_string(v); }

VoidResult CheckLimits(const Limits& limits, uint64_t range, std::string_view range_rule,
                       const std::string& what) {
  if (limits.min > range || (limits.max && *limits.max > range)) return Invalid(range_rule, what);
  if (limits.max && limits.min > *limits.max) {
    return Invalid("size minimum must not be greater than maximum", what);
  }
  return Ok();
}

VoidResult CheckTable(const TableType& table, const std::string& what) {
  if (!IsRefType(table.elem_type)) return Invalid("malformed reference type", what);
  return CheckLimits(table.limits, 0xffffffffull, "table size must be at most 2^32-1", what);
}

VoidResult CheckMemory(const MemoryType& memory, const std::string& what) {
  return CheckLimits(memory.limits, kMaxPages, "memory size must be at most 65536 pages (4GiB)",
                     what);
}

// Checks a constant expression against C' (2.0: only imported globals are
// visible) and the type the context expects.
VoidResult CheckConstExpr(const ValidationContext& c, const ConstExpr& expr, ValType expected,
                          const std::string& what) {
  const Module& m = *c.module;
  ValType type = expr.type;
  switch (expr.kind) {
    case ConstExpr::Kind::kI32Const:
      type = ValType::kI32;
      break;
    case ConstExpr::Kind::kI64Const:
      type = ValType::kI64;
      break;
    case ConstExpr::Kind::kF32Const:
      type = ValType::kF32;
      break;
    case ConstExpr::Kind::kF64Const:
      type = ValType::kF64;
      break;
    case ConstExpr::Kind::kV128Const:
      type = ValType::kV128;
      break;
    case ConstExpr::Kind::kRefNull:
      if (!IsRefType(type)) return Invalid("malformed reference type", what);
      break;
    case ConstExpr::Kind::kRefFunc:
      if (expr.index >= c.func_type_indices.size()) {
        return Invalid("unknown function " + Num(expr.index), what);
      }
      type = ValType::kFuncRef;
      break;
    case ConstExpr::Kind::kGlobalGet:
      if (expr.index >= m.imported_globals) {
        return Invalid("unknown global " + Num(expr.index), what);
      }
      if (c.globals[expr.index].mutability != Mutability::kConst) {
        return Invalid("constant expression required", what + ": global.get of a mutable global");
      }
      type = c.globals[expr.index].type;
      break;
  }
  if (type != expected) {
    return Invalid("type mismatch", what + ": expected " + std::string(ValTypeName(expected)) +
                                        ", got " + std::string(ValTypeName(type)));
  }
  return Ok();
}

// Builds C from imports and definitions, checking each entry's own rules.
VoidResult BuildContext(const Module& m, ValidationContext* c) {
  c->module = &m;
  const size_t type_count = m.types.size();
  for (const Import& imp : m.imports) {
    const std::string what = "import \"" + imp.module + "\" \"" + imp.name + "\"";
    switch (imp.kind) {
      case ExternKind::kFunc:
        if (imp.func_type_index >= type_count) {
          return Invalid("unknown type " + Num(imp.func_type_index), what);
        }
        c->func_type_indices.push_back(imp.func_type_index);
        break;
      case ExternKind::kTable:
        TRY(CheckTable(imp.table, what));
        c->tables.push_back(imp.table);
        break;
      case ExternKind::kMemory:
        TRY(CheckMemory(imp.memory, what));
        ++c->memory_count;
        break;
      case ExternKind::kGlobal:
        c->globals.push_back(imp.global);
        break;
    }
  }
  if (c->func_type_indices.size() != m.imported_funcs || c->tables.size() != m.imported_tables ||
      c->memory_count != m.imported_memories || c->globals.size() != m.imported_globals) {
    return MakeError(Status::kInternal, "import counts disagree with the import list");
  }
  for (size_t i = 0; i < m.functions.size(); ++i) {
    const uint32_t type_index = m.functions[i].type_index;
    if (type_index >= type_count) {
      return Invalid("unknown type " + Num(type_index), "function " + Num(m.imported_funcs + i));
    }
    c->func_type_indices.push_back(type_index);
  }
  for (size_t i = 0; i < m.tables.size(); ++i) {
    TRY(CheckTable(m.tables[i], "table " + Num(m.imported_tables + i)));
    c->tables.push_back(m.tables[i]);
  }
  for (size_t i = 0; i < m.memories.size(); ++i) {
    TRY(CheckMemory(m.memories[i], "memory " + Num(m.imported_memories + i)));
    ++c->memory_count;
  }
  if (c->memory_count > 1) return Invalid("multiple memories", Num(c->memory_count) + " memories");
  return Ok();
}

// C.refs: functions named outside function bodies.
void CollectDeclaredRefs(const Module& m, ValidationContext* c) {
  c->declared_refs.assign(c->func_type_indices.size(), 0);
  auto note = [&](const ConstExpr& e) {
    if (e.kind == ConstExpr::Kind::kRefFunc && e.index < c->declared_refs.size()) {
      c->declared_refs[e.index] = 1;
    }
  };
  for (const Global& g : m.globals) note(g.init);
  for (const ElementSegment& seg : m.elements) {
    for (const ConstExpr& item : seg.items) note(item);
  }
  for (const Export& e : m.exports) {
    if (e.kind == ExternKind::kFunc && e.index < c->declared_refs.size()) {
      c->declared_refs[e.index] = 1;
    }
  }
}

VoidResult CheckGlobals(const Module& m, ValidationContext* c) {
  for (size_t i = 0; i < m.globals.size(); ++i) {
    const Global& g = m.globals[i];
    TRY(CheckConstExpr(*c, g.init, g.type.type, "global " + Num(m.imported_globals + i)));
    c->globals.push_back(g.type);
  }
  return Ok();
}

VoidResult CheckExports(const Module& m, const ValidationContext& c) {
  std::unordered_set<std::string_view> names;
  names.reserve(m.exports.size());
  for (const Export& e : m.exports) {
    const std::string what = "export \"" + e.name + "\"";
    uint64_t limit = 0;
    switch (e.kind) {
      case ExternKind::kFunc:
        limit = c.func_type_indices.size();
        break;
      case ExternKind::kTable:
        limit = c.tables.size();
        break;
      case ExternKind::kMemory:
        limit = c.memory_count;
        break;
      case ExternKind::kGlobal:
        limit = c.globals.size();
        break;
    }
    if (e.index >= limit) {
      return Invalid(
          "unknown " +
              std::string(e.kind == ExternKind::kFunc ? "function" : ExternKindName(e.kind)) + " " +
              Num(e.index),
          what);
    }
    if (!names.insert(e.name).second) return Invalid("duplicate export name", what);
  }
  return Ok();
}

VoidResult CheckStart(const Module& m, const ValidationContext& c) {
  if (!m.has_start) return Ok();
  if (m.start >= c.func_type_indices.size()) {
    return Invalid("unknown function " + Num(m.start), "start function");
  }
  const FuncType& type = m.types[c.func_type_indices[m.start]];
  if (!type.params.empty() || !type.results.empty()) {
    return Invalid("start function", "function " + Num(m.start) + " has type " +
                                         FuncTypeString(type) + ", not () -> ()");
  }
  return Ok();
}

VoidResult CheckElements(const Module& m, const ValidationContext& c) {
  for (size_t i = 0; i < m.elements.size(); ++i) {
    const ElementSegment& seg = m.elements[i];
    const std::string what = "element segment " + Num(i);
    if (!IsRefType(seg.elem_type)) return Invalid("malformed reference type", what);
    if (seg.mode == SegmentMode::kActive) {
      if (seg.table_index >= c.tables.size()) {
        return Invalid("unknown table " + Num(seg.table_index), what);
      }
      if (c.tables[seg.table_index].elem_type != seg.elem_type) {
        return Invalid("type mismatch", what + ": element type differs from the table's");
      }
      TRY(CheckConstExpr(c, seg.offset, ValType::kI32, what + " offset"));
    }
    for (const ConstExpr& item : seg.items) {
      TRY(CheckConstExpr(c, item, seg.elem_type, what + " item"));
    }
  }
  return Ok();
}

VoidResult CheckData(const Module& m, const ValidationContext& c) {
  if (m.has_data_count && m.data_count != m.data.size()) {
    return MakeError(Status::kMalformed, "data count and data section have inconsistent lengths (" +
                                             Num(m.data_count) + " vs " + Num(m.data.size()) + ")");
  }
  for (size_t i = 0; i < m.data.size(); ++i) {
    const DataSegment& seg = m.data[i];
    const std::string what = "data segment " + Num(i);
    if (uint64_t(seg.data_offset) + seg.data_size > m.bytes.size()) {
      return MakeError(Status::kMalformed, "unexpected end (" + what + ")");
    }
    if (seg.mode != SegmentMode::kActive) continue;
    if (seg.memory_index >= c.memory_count) {
      return Invalid("unknown memory " + Num(seg.memory_index), what);
    }
    TRY(CheckConstExpr(c, seg.offset, ValType::kI32, what + " offset"));
  }
  return Ok();
}

}  // namespace

VoidResult ValidateModule(const Module& module) {
  ValidationContext context;
  TRY(BuildContext(module, &context));
  CollectDeclaredRefs(module, &context);
  TRY(CheckGlobals(module, &context));
  TRY(CheckExports(module, context));
  TRY(CheckStart(module, context));
  TRY(CheckElements(module, context));
  TRY(CheckData(module, context));
  FunctionValidator functions(context);
  for (uint32_t i = 0; i < module.functions.size(); ++i) TRY(functions.Validate(i));
  return Ok();
}

}  // namespace shoal::vm
