#include "kernel/object/handle_table.h"

#include <algorithm>
#include <cassert>
#include <optional>
#include <string>

namespace shoal::kernel {
namespace {

constexpr uint32_t kIndexBits = 16;
constexpr uint32_t kIndexMask = (1u << kIndexBits) - 1;
constexpr uint32_t kGenerationMask = (1u << 15) - 1;

Error BadHandle(HandleValue value) {
  return MakeError(Status::kBadHandle, "handle " + std::to_string(value) + " is not live");
}

}  // namespace

HandleTable::Reservation::Reservation(Reservation&& other) noexcept
    : table_(std::exchange(other.table_, nullptr)), count_(std::exchange(other.count_, 0)) {}

HandleTable::Reservation& HandleTable::Reservation::operator=(Reservation&& other) noexcept {
  if (this != &other) {
    Release();
    table_ = std::exchange(other.table_, nullptr);
    count_ = std::exchange(other.count_, 0);
  }
  return *this;
}

HandleTable::Reservation::~Reservation() { Release(); }

void HandleTable::Reservation::Release() {
  if (table_ != nullptr && count_ > 0) table_->Unreserve(count_);
  table_ = nullptr;
  count_ = 0;
}

HandleTable::HandleTable(size_t max_handles) : max_handles_(std::min(max_handles, kIndexLimit)) {}

HandleTable::~HandleTable() {
  // Drop the references outside the lock: an object's destructor may notify
  // observers, which may do anything.
  std::vector<Slot> slots;
  {
    MutexLock lock(&mu_);
    slots = std::move(slots_);
  }
}

size_t HandleTable::size() const {
  MutexLock lock(&mu_);
  return live_;
}

HandleValue HandleTable::Encode(size_t index, uint16_t generation) {
  return (HandleValue(generation & kGenerationMask) << kIndexBits) | HandleValue(index + 1);
}

std::optional<size_t> HandleTable::FindLocked(HandleValue value) const {
  uint32_t low = value & kIndexMask;
  if (low == 0 || (value >> 31) != 0) return std::nullopt;
  size_t index = low - 1;
  if (index >= slots_.size()) return std::nullopt;
  const Slot& slot = slots_[index];
  if (slot.entry.object == nullptr ||
      slot.generation != ((value >> kIndexBits) & kGenerationMask)) {
    return std::nullopt;
  }
  return index;
}

Result<size_t> HandleTable::LookupLocked(HandleValue value) const {
  std::optional<size_t> index = FindLocked(value);
  if (!index) return BadHandle(value);
  return *index;
}

bool HandleTable::Holds(HandleValue value, const KernelObject* object) const {
  MutexLock lock(&mu_);
  std::optional<size_t> index = FindLocked(value);
  return index && slots_[*index].entry.object.get() == object;
}

Result<size_t> HandleTable::LookupMovableLocked(HandleValue value) const {
  size_t index = TRY(LookupLocked(value));
  if (slots_[index].in_transit) {
    return MakeError(Status::kBadHandle,
                     "handle " + std::to_string(value) + " is being sent through a channel");
  }
  return index;
}

Result<HandleValue> HandleTable::AddLocked(HandleEntry entry) {
  if (live_ + reserved_ >= max_handles_) {
    return MakeError(Status::kNoMemory,
                     "handle table is full (" + std::to_string(max_handles_) + " handles)");
  }
  size_t index;
  if (!free_.empty()) {
    index = free_.back();
    free_.pop_back();
  } else {
    index = slots_.size();
    slots_.emplace_back();
  }
  slots_[index].entry = std::move(entry);
  ++live_;
  return Encode(index, slots_[index].generation);
}

void HandleTable::FreeLocked(size_t index) {
  Slot& slot = slots_[index];
  slot.entry = HandleEntry{};
  slot.in_transit = false;
  slot.generation = uint16_t((slot.generation + 1) & kGenerationMask);
  if (slot.generation == 0) slot.generation = 1;
  free_.push_back(uint32_t(index));
  --live_;
}

Result<HandleValue> HandleTable::Add(Ref<KernelObject> object, Rights rights) {
  if (object == nullptr) return MakeError(Status::kInvalidArgs, "no object to add");
  MutexLock lock(&mu_);
  return AddLocked(HandleEntry{std::move(object), rights});
}

Result<HandleEntry> HandleTable::GetEntry(HandleValue value, Rights required) const {
  MutexLock lock(&mu_);
  size_t index = TRY(LookupLocked(value));
  const HandleEntry& entry = slots_[index].entry;
  if (!Contains(entry.rights, required)) {
    return MakeError(Status::kAccessDenied, "handle lacks a right the operation needs");
  }
  return entry;
}

Result<Ref<KernelObject>> HandleTable::GetChecked(HandleValue value, ObjectType type,
                                                  Rights required) const {
  MutexLock lock(&mu_);
  size_t index = TRY(LookupLocked(value));
  const HandleEntry& entry = slots_[index].entry;
  if (entry.object->type() != type) {
    return MakeError(Status::kWrongType, "handle names a " +
                                             std::string(ObjectTypeName(entry.object->type())) +
                                             ", not a " + std::string(ObjectTypeName(type)));
  }
  if (!Contains(entry.rights, required)) {
    return MakeError(Status::kAccessDenied, "handle lacks a right the operation needs");
  }
  return entry.object;
}

Result<HandleValue> HandleTable::Duplicate(HandleValue value, Rights rights) {
  MutexLock lock(&mu_);
  size_t index = TRY(LookupLocked(value));
  HandleEntry entry = slots_[index].entry;
  if (!Contains(entry.rights, Rights::kDuplicate)) {
    return MakeError(Status::kAccessDenied, "handle lacks the duplicate right");
  }
  if (!IsSubset(rights, entry.rights)) {
    return MakeError(Status::kInvalidArgs, "duplicate asks for rights the handle lacks");
  }
  entry.rights = rights;
  return AddLocked(std::move(entry));
}

Result<HandleValue> HandleTable::Replace(HandleValue value, Rights rights) {
  Ref<KernelObject> dropped;  // Released after the lock (see ~HandleTable).
  MutexLock lock(&mu_);
  size_t index = TRY(LookupMovableLocked(value));
  HandleEntry entry = slots_[index].entry;
  if (!IsSubset(rights, entry.rights)) {
    return MakeError(Status::kInvalidArgs, "replace asks for rights the handle lacks");
  }
  entry.rights = rights;
  // Free first so that a full table can still replace.
  dropped = slots_[index].entry.object;
  FreeLocked(index);
  return AddLocked(std::move(entry));
}

VoidResult HandleTable::Close(HandleValue value) {
  Ref<KernelObject> dropped;
  {
    MutexLock lock(&mu_);
    size_t index = TRY(LookupMovableLocked(value));
    dropped = std::move(slots_[index].entry.object);
    FreeLocked(index);
  }
  return Ok();
}

Result<HandleEntry> HandleTable::Take(HandleValue value, Rights required) {
  MutexLock lock(&mu_);
  size_t index = TRY(LookupMovableLocked(value));
  if (!Contains(slots_[index].entry.rights, required)) {
    return MakeError(Status::kAccessDenied, "handle lacks a right the operation needs");
  }
  HandleEntry entry = std::move(slots_[index].entry);
  FreeLocked(index);
  return entry;
}

VoidResult HandleTable::TakeAll(std::span<const HandleValue> values, Rights required,
                                const ConsumeFn& consume) {
  std::vector<size_t> indices;
  std::vector<HandleEntry> entries;
  {
    MutexLock lock(&mu_);
    indices.reserve(values.size());
    entries.reserve(values.size());
    for (HandleValue value : values) {
      size_t index = TRY(LookupMovableLocked(value));
      if (!Contains(slots_[index].entry.rights, required)) {
        return MakeError(Status::kAccessDenied,
                         "handle " + std::to_string(value) + " lacks a right the operation needs");
      }
      indices.push_back(index);
      entries.push_back(slots_[index].entry);
    }
    std::vector<size_t> sorted = indices;
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
      return MakeError(Status::kInvalidArgs, "the same handle is listed twice");
    }
    // In transit, the slots cannot be freed by anyone else, so the indices
    // stay valid until we come back.
    for (size_t index : indices) slots_[index].in_transit = true;
  }
  VoidResult consumed = consume(std::move(entries));
  std::vector<Ref<KernelObject>> dropped;  // Released after the lock.
  MutexLock lock(&mu_);
  for (size_t index : indices) {
    if (consumed.ok()) {
      dropped.push_back(std::move(slots_[index].entry.object));
      FreeLocked(index);
    } else {
      slots_[index].in_transit = false;
    }
  }
  return consumed;
}

Result<HandleTable::Reservation> HandleTable::Reserve(size_t count) {
  MutexLock lock(&mu_);
  if (count > max_handles_ || live_ + reserved_ + count > max_handles_) {
    return MakeError(Status::kNoMemory,
                     "handle table has no room for " + std::to_string(count) + " more handles");
  }
  reserved_ += count;
  return Reservation(this, count);
}

void HandleTable::Unreserve(size_t count) {
  MutexLock lock(&mu_);
  assert(reserved_ >= count);
  reserved_ -= count;
}

std::vector<HandleValue> HandleTable::Install(Reservation reservation,
                                              std::vector<HandleEntry> entries) {
  assert(reservation.table_ == this && entries.size() <= reservation.count_);
  std::vector<HandleValue> values;
  values.reserve(entries.size());
  MutexLock lock(&mu_);
  // Hand the whole reservation back first; AddLocked() then has room for each
  // entry because the reservation counted it.
  reserved_ -= reservation.count_;
  reservation.table_ = nullptr;
  reservation.count_ = 0;
  for (HandleEntry& entry : entries) {
    auto value = AddLocked(std::move(entry));
    assert(value.ok());
    values.push_back(*value);
  }
  return values;
}

std::vector<HandleRecord> HandleTable::Snapshot() const {
  MutexLock lock(&mu_);
  std::vector<HandleRecord> records;
  records.reserve(live_);
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].entry.object != nullptr) {
      records.push_back(HandleRecord{Encode(i, slots_[i].generation), slots_[i].entry});
    }
  }
  return records;
}

VoidResult HandleTable::Restore(std::vector<HandleRecord> records) {
  std::vector<Slot> slots;  // On error, released after the lock.
  MutexLock lock(&mu_);
  if (live_ != 0 || reserved_ != 0) {
    return MakeError(Status::kInvalidArgs, "restore needs an empty handle table");
  }
  if (records.size() > max_handles_) {
    return MakeError(Status::kNoMemory, "snapshot holds more handles than the table allows");
  }
  for (HandleRecord& record : records) {
    uint32_t low = record.value & kIndexMask;
    uint16_t generation = uint16_t((record.value >> kIndexBits) & kGenerationMask);
    if (low == 0 || generation == 0 || (record.value >> 31) != 0 || low > max_handles_ ||
        record.entry.object == nullptr) {
      return MakeError(Status::kInvalidArgs,
                       "snapshot holds an invalid handle " + std::to_string(record.value));
    }
    if (slots.size() < low) slots.resize(low);
    Slot& slot = slots[low - 1];
    if (slot.entry.object != nullptr) {
      return MakeError(Status::kInvalidArgs,
                       "snapshot holds slot " + std::to_string(low - 1) + " twice");
    }
    slot.entry = std::move(record.entry);
    slot.generation = generation;
  }
  slots_ = std::move(slots);
  free_.clear();
  for (size_t i = slots_.size(); i-- > 0;) {
    if (slots_[i].entry.object == nullptr) free_.push_back(uint32_t(i));
  }
  live_ = records.size();
  return Ok();
}

}  // namespace shoal::kernel
