#include <bit>
#include <cstdio>

#include "kernel/vm/runtime.h"

namespace shoal::vm {

Value Value::F32(float f) { return F32Bits(std::bit_cast<uint32_t>(f)); }
Value Value::F64(double d) { return F64Bits(std::bit_cast<uint64_t>(d)); }
float Value::f32() const { return std::bit_cast<float>(uint32_t(lo)); }
double Value::f64() const { return std::bit_cast<double>(lo); }

std::string ValueString(const Value& value) {
  char buf[96];
  switch (value.type) {
    case ValType::kI32:
      std::snprintf(buf, sizeof buf, "i32:%u", value.i32());
      break;
    case ValType::kI64:
      std::snprintf(buf, sizeof buf, "i64:%llu", static_cast<unsigned long long>(value.i64()));
      break;
    case ValType::kF32:
      std::snprintf(buf, sizeof buf, "f32:%g (0x%08x)", double(value.f32()), value.i32());
      break;
    case ValType::kF64:
      std::snprintf(buf, sizeof buf, "f64:%g (0x%016llx)", value.f64(),
                    static_cast<unsigned long long>(value.lo));
      break;
    case ValType::kV128:
      std::snprintf(buf, sizeof buf, "v128:0x%016llx%016llx",
                    static_cast<unsigned long long>(value.hi),
                    static_cast<unsigned long long>(value.lo));
      break;
    case ValType::kFuncRef:
    case ValType::kExternRef:
      if (value.is_null()) {
        std::snprintf(buf, sizeof buf, "%s:null", std::string(ValTypeName(value.type)).c_str());
      } else {
        std::snprintf(buf, sizeof buf, "%s:%llu", std::string(ValTypeName(value.type)).c_str(),
                      static_cast<unsigned long long>(value.lo - 1));
      }
      break;
  }
  return buf;
}

}  // namespace shoal::vm
