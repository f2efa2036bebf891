// HandleTable: one process's capabilities, as (object, rights) entries named
// by handle values.
//
// A handle value is a uint32: bits 0..15 hold slot index + 1 and bits 16..30
// a per-slot generation, bumped whenever the slot is freed, so a stale value
// does not name the slot's next occupant. 0 is never a valid value, and bit 31
// is always clear (values are positive as int32 for guests). Values depend on
// nothing but the table's history, so Snapshot() and Restore() recreate the
// same values on another node.
//
// Error precedence: when several errors apply to one call, the first one here
// wins, whatever the operation:
//   1. kBadHandle     the value names no live entry;
//   2. kWrongType     the entry's object is not of the type asked for;
//   3. kAccessDenied  the entry lacks a right the operation needs;
//   4. kInvalidArgs   other arguments (e.g. rights that are not a subset);
//   5. kNoMemory      the table is full.
//
// Threading: thread-safe. No object is called while the table's lock is held
// (objects run observer callbacks, which may come back to this table), and
// the lock is never held while an object lock is taken.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "kernel/base/result.h"
#include "kernel/base/thread_annotations.h"
#include "kernel/object/object.h"

namespace shoal::kernel {

using HandleValue = uint32_t;
constexpr HandleValue kInvalidHandle = 0;

// One entry of a Snapshot.
struct HandleRecord {
  HandleValue value = kInvalidHandle;
  HandleEntry entry;
};

class HandleTable {
 public:
  static constexpr size_t kIndexLimit = 0xffff;  // Slots a table can ever have.
  static constexpr size_t kDefaultMaxHandles = 4096;

  // Free slots promised to a later Install(); see Reserve().
  class Reservation {
   public:
    Reservation() = default;
    Reservation(Reservation&& other) noexcept;
    Reservation& operator=(Reservation&& other) noexcept;
    ~Reservation();
    size_t count() const { return count_; }

   private:
    friend class HandleTable;
    Reservation(HandleTable* table, size_t count) : table_(table), count_(count) {}
    void Release();
    HandleTable* table_ = nullptr;
    size_t count_ = 0;
  };

  // `max_handles` (at most kIndexLimit) bounds live entries plus reservations.
  explicit HandleTable(size_t max_handles = kDefaultMaxHandles);
  ~HandleTable();
  HandleTable(const HandleTable&) = delete;
  HandleTable& operator=(const HandleTable&) = delete;

  size_t max_handles() const { return max_handles_; }
  size_t size() const;

  // Adds an entry. kInvalidArgs for a null object; kNoMemory when full.
  Result<HandleValue> Add(Ref<KernelObject> object, Rights rights);

  // True when `value` names a live entry for `object`: a cheap check for
  // views that remember which handle they stand for (WASI descriptors).
  bool Holds(HandleValue value, const KernelObject* object) const;

  // The entry behind `value`, if it holds every right in `required`.
  Result<HandleEntry> GetEntry(HandleValue value, Rights required) const;

  // The object behind `value` as a T (an operations interface such as
  // ChannelOps, which local objects and proxies both implement), if it holds
  // `required`. T::kType names the type; KernelObject accepts any type.
  template <typename T>
  Result<Ref<T>> Get(HandleValue value, Rights required) const {
    if constexpr (std::is_same_v<T, KernelObject>) {
      return TRY(GetEntry(value, required)).object;
    } else {
      Ref<KernelObject> object = TRY(GetChecked(value, T::kType, required));
      return std::static_pointer_cast<T>(std::move(object));
    }
  }

  // A new handle to the same object with `rights`, a subset of the original's.
  // Needs kDuplicate.
  Result<HandleValue> Duplicate(HandleValue value, Rights rights);

  // Replaces `value` by a new handle to the same object with `rights` (a
  // subset); the old value stops working. Needs no right: it only ever
  // drops rights. On error the old handle is unchanged.
  Result<HandleValue> Replace(HandleValue value, Rights rights);

  // Removes the entry, dropping its reference.
  VoidResult Close(HandleValue value);

  // Removes the entry and returns it, e.g. to pass it to another table.
  Result<HandleEntry> Take(HandleValue value, Rights required);

  // All-or-nothing removal for a channel write: checks that every value names
  // a distinct live entry with `required` (kInvalidArgs for a repeated value),
  // passes copies of the entries to `consume` and removes them only if it
  // succeeds. `consume` runs without the table's lock; meanwhile the handles
  // are in transit: they still resolve for Get, but Close, Take, Replace and
  // another TakeAll of them fail with kBadHandle.
  using ConsumeFn = std::function<VoidResult(std::vector<HandleEntry> entries)>;
  VoidResult TakeAll(std::span<const HandleValue> values, Rights required,
                     const ConsumeFn& consume);

  // Reserves `count` free slots, so that installing handles received from a
  // channel cannot fail after the message has been dequeued. kNoMemory when
  // the table cannot promise that many. Dropping the reservation returns them.
  Result<Reservation> Reserve(size_t count);

  // Adds `entries` into reserved slots (entries.size() <= reservation.count(),
  // asserted: a bug of ours, not the guest's). Cannot fail.
  std::vector<HandleValue> Install(Reservation reservation, std::vector<HandleEntry> entries);

  // Every live entry, ordered by value.
  std::vector<HandleRecord> Snapshot() const;

  // Fills an empty table with `records`, each at its own value. kInvalidArgs
  // when the table is not empty, a value is 0, out of range or repeated, or an
  // object is null; kNoMemory when they do not fit. On error the table stays
  // empty.
  VoidResult Restore(std::vector<HandleRecord> records);

 private:
  struct Slot {
    HandleEntry entry;        // object == nullptr when free.
    uint16_t generation = 1;  // 15 bits are used.
    bool in_transit = false;  // Inside a TakeAll's consume.
  };
  static HandleValue Encode(size_t index, uint16_t generation);
  // The slot `value` names, if it is live.
  std::optional<size_t> FindLocked(HandleValue value) const REQUIRES(mu_);
  Result<size_t> LookupLocked(HandleValue value) const REQUIRES(mu_);
  // LookupLocked for operations that remove or replace the entry.
  Result<size_t> LookupMovableLocked(HandleValue value) const REQUIRES(mu_);
  Result<Ref<KernelObject>> GetChecked(HandleValue value, ObjectType type, Rights required) const;
  Result<HandleValue> AddLocked(HandleEntry entry) REQUIRES(mu_);
  void FreeLocked(size_t index) REQUIRES(mu_);
  void Unreserve(size_t count);

  const size_t max_handles_;
  mutable Mutex mu_;
  std::vector<Slot> slots_ GUARDED_BY(mu_);
  std::vector<uint32_t> free_ GUARDED_BY(mu_);  // Free slot indices, reused LIFO.
  size_t live_ GUARDED_BY(mu_) = 0;
  size_t reserved_ GUARDED_BY(mu_) = 0;
};

}  // namespace shoal::kernel
