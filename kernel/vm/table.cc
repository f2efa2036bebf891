#include <algorithm>

#include "kernel/vm/runtime.h"

namespace shoal::vm {

Table::Table(TableType type, uint64_t init_ref) : type_(type) {
  elems_.assign(type.limits.min, init_ref);
}

std::optional<uint32_t> Table::Grow(uint32_t delta, uint64_t init_ref) {
  const uint64_t old_size = elems_.size();
  const uint64_t new_size = old_size + delta;
  const uint64_t max =
      std::min<uint64_t>(type_.limits.max.value_or(UINT32_MAX), uint64_t{kMaxElems});
  if (new_size > max) return std::nullopt;
  elems_.resize(new_size, init_ref);
  return uint32_t(old_size);
}

}  // namespace shoal::vm
