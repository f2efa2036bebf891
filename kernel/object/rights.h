// Rights: what a handle allows its holder to do with the object behind it.
//
// A handle is (object, rights). Rights can only shrink: Duplicate and Replace
// take a subset, and a transferred handle keeps its rights. Each operation
// names the rights it needs next to its declaration in the object's header.
#pragma once

#include <cstdint>

#include "kernel/base/bitmask.h"

namespace shoal::kernel {

enum class Rights : uint32_t {
  kNone = 0,
  kDuplicate = 1u << 0,  // Duplicate the handle (with equal or fewer rights).
  kTransfer = 1u << 1,   // Send the handle through a channel.
  kRead = 1u << 2,       // Read data: channel messages, port packets, console bytes.
  kWrite = 1u << 3,      // Write data: channel messages, user packets, console bytes.
  kWait = 1u << 4,       // Observe the object's signals (wait, port registration).
  kManage = 1u << 5,     // Change the object's state: set/cancel a timer, close a
                         // console, terminate a process.
  kAll = (1u << 6) - 1,
};
SHOAL_BITMASK(Rights)

// True when `subset` grants nothing that `set` does not.
constexpr bool IsSubset(Rights subset, Rights set) { return (subset & ~set) == Rights::kNone; }

}  // namespace shoal::kernel
