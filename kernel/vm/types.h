// WebAssembly types: value types, function types, and the types of tables,
// memories and globals. Shared by every stage of the VM pipeline.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shoal::vm {

// Value types, encoded as in the binary format.
enum class ValType : uint8_t {
  kI32 = 0x7f,
  kI64 = 0x7e,
  kF32 = 0x7d,
  kF64 = 0x7c,
  kV128 = 0x7b,
  kFuncRef = 0x70,
  kExternRef = 0x6f,
};

// "i32", "funcref", ...
std::string_view ValTypeName(ValType type);
bool IsRefType(ValType type);
bool IsNumType(ValType type);
// How many 64-bit slots a value of this type takes on the VM's value stack:
// 2 for v128, 1 for everything else.
inline uint32_t SlotCount(ValType type) { return type == ValType::kV128 ? 2 : 1; }

struct FuncType {
  std::vector<ValType> params;
  std::vector<ValType> results;

  bool operator==(const FuncType&) const = default;
};
// "(i32, i64) -> (f32)"
std::string FuncTypeString(const FuncType& type);

// Limits of a table (in elements) or memory (in 64 KiB pages).
struct Limits {
  uint64_t min = 0;
  std::optional<uint64_t> max;

  bool operator==(const Limits&) const = default;
};

struct TableType {
  ValType elem_type = ValType::kFuncRef;
  Limits limits;
};

struct MemoryType {
  Limits limits;
};

enum class Mutability : uint8_t { kConst = 0, kVar = 1 };

struct GlobalType {
  ValType type = ValType::kI32;
  Mutability mutability = Mutability::kConst;
};

enum class ExternKind : uint8_t { kFunc = 0, kTable = 1, kMemory = 2, kGlobal = 3 };
std::string_view ExternKindName(ExternKind kind);

inline constexpr uint32_t kPageSize = 65536;
inline constexpr uint32_t kMaxPages = 65536;  // 4 GiB of 32-bit linear memory.

}  // namespace shoal::vm
