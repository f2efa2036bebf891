#include "kernel/vm/types.h"

namespace shoal::vm {

std::string_view ValTypeName(ValType type) {
  switch (type) {
    case ValType::kI32: return "i32";
    case ValType::kI64: return "i64";
    case ValType::kF32: return "f32";
    case ValType::kF64: return "f64";
    case ValType::kV128: return "v128";
    case ValType::kFuncRef: return "funcref";
    case ValType::kExternRef: return "externref";
  }
  return "<bad type>";
}

bool IsRefType(ValType type) {
  return type == ValType::kFuncRef || type == ValType::kExternRef;
}

bool IsNumType(ValType type) { return !IsRefType(type) && type != ValType::kV128; }

std::string FuncTypeString(const FuncType& type) {
  std::string out = "(";
  for (size_t i = 0; i < type.params.size(); ++i) {
    if (i) out += ", ";
    out += ValTypeName(type.params[i]);
  }
  out += ") -> (";
  for (size_t i = 0; i < type.results.size(); ++i) {
    if (i) out += ", ";
    out += ValTypeName(type.results[i]);
  }
  out += ")";
  return out;
}

std::string_view ExternKindName(ExternKind kind) {
  switch (kind) {
    case ExternKind::kFunc: return "func";
    case ExternKind::kTable: return "table";
    case ExternKind::kMemory: return "memory";
    case ExternKind::kGlobal: return "global";
  }
  return "<bad kind>";
}

}  // namespace shoal::vm
