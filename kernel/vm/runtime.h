// The VM's runtime objects: the Store that owns functions, memories, tables
// and globals; module instances; and the host-function interface.
//
// Everything here is plain data addressed by index ("addresses"), never by
// host pointer, so that the state of a running program can be written out and
// read back elsewhere (ARCHITECTURE.md, invariant 1). Reference values carry
// addresses too: a funcref is a FuncAddr, an externref an opaque host value.
//
// Threading: a Store and everything in it belong to one thread at a time.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kernel/base/result.h"
#include "kernel/vm/module.h"
#include "kernel/vm/types.h"

namespace shoal::vm {

using FuncAddr = uint32_t;
using TableAddr = uint32_t;
using MemAddr = uint32_t;
using GlobalAddr = uint32_t;

// A typed WebAssembly value, as the embedder sees it. Numbers are kept as bit
// patterns (so NaN payloads survive); v128 uses lo and hi. A reference is 0
// when null, FuncAddr + 1 for a funcref, and host value + 1 for an externref.
struct Value {
  ValType type = ValType::kI32;
  uint64_t lo = 0;
  uint64_t hi = 0;

  static Value I32(uint32_t v) { return {ValType::kI32, v, 0}; }
  static Value I64(uint64_t v) { return {ValType::kI64, v, 0}; }
  static Value F32Bits(uint32_t bits) { return {ValType::kF32, bits, 0}; }
  static Value F64Bits(uint64_t bits) { return {ValType::kF64, bits, 0}; }
  static Value F32(float f);
  static Value F64(double d);
  static Value V128(uint64_t lo, uint64_t hi) { return {ValType::kV128, lo, hi}; }
  static Value Null(ValType ref_type) { return {ref_type, 0, 0}; }
  static Value Func(FuncAddr addr) { return {ValType::kFuncRef, uint64_t(addr) + 1, 0}; }
  static Value Extern(uint64_t host_value) { return {ValType::kExternRef, host_value + 1, 0}; }

  uint32_t i32() const { return uint32_t(lo); }
  uint64_t i64() const { return lo; }
  float f32() const;
  double f64() const;
  bool is_null() const { return lo == 0; }
  FuncAddr func_addr() const { return FuncAddr(lo - 1); }  // Requires a non-null funcref.
  uint64_t extern_value() const { return lo - 1; }         // Requires a non-null externref.

  bool operator==(const Value&) const = default;
};

// "i32:42", "f64:0x7ff8000000000000", "funcref:null", ... for messages.
std::string ValueString(const Value& value);

// Linear memory. Its base address never moves while it exists (growth only
// commits more of a reservation), so the interpreter may cache it; its size
// changes only through Grow().
//
// Dirty-page tracking (live migration's pre-copy rounds, docs/migration.md):
// every write to the memory sets a byte for each 4 KiB page it touches in a
// map that sits kDirtyMapBytes below data(), in the same reservation, so the
// interpreter reaches it from the base it already holds, with no register or
// branch of its own. Marking is unconditional: a store costs one more byte
// store whether or not a migration runs, which is lost in the noise of
// bench/run-vm-bench (docs/benchmarks.md, "Dirty tracking", also for why not
// Linux soft-dirty bits). Every writer marks: the interpreter's store paths
// (MarkStored, MarkRange), Span() for host functions, Grow() for the pages it
// exposes. Code that writes through data() directly calls MarkWritten().
//
// Threading: the memory belongs to its store's thread, except that one other
// thread at a time (the migration driver) may call StartDirtyTracking() and
// TakeDirtyPages() while that thread runs the guest. The contract: a page
// written before or during a take is reported by that take or by the next
// one, never lost (a relaxed scan may miss a byte stored concurrently, but
// then the byte is still set next time). And a copy of a reported page made
// after the take returns sees every write the take accounted for. Why:
// writers store the data first and then the page's byte with release order;
// the taker clears a set byte with an acquire exchange, so the data written
// before that byte's store is visible to it, and a byte stored after the
// exchange stays set for the next take. On x86 both are plain moves plus a
// compiler barrier. The map bytes are only touched through std::atomic_ref,
// so the race between marker and taker is defined behaviour, not a "benign"
// data race. The memory must outlive the taker's calls.
class Memory {
 public:
  // Granularity of dirty tracking: the host page, not the 64 KiB Wasm page.
  static constexpr uint64_t kDirtyPageSize = 4096;
  // One byte per 4 KiB page of the largest (4 GiB) memory: 1 MiB of address
  // space, committed only where pages are written.
  static constexpr uint64_t kDirtyMapBytes = uint64_t(kMaxPages) * kPageSize / kDirtyPageSize;

  static Result<std::unique_ptr<Memory>> Create(MemoryType type);
  ~Memory();
  Memory(const Memory&) = delete;
  Memory& operator=(const Memory&) = delete;

  const MemoryType& type() const { return type_; }
  uint8_t* data() { return base_; }
  const uint8_t* data() const { return base_; }
  uint64_t size_bytes() const { return size_.load(std::memory_order_relaxed); }
  uint32_t pages() const { return uint32_t(size_bytes() / kPageSize); }

  // Grows by `delta` pages; returns the old page count, or nullopt if the
  // type's maximum, the 4 GiB limit or `page_cap` (a resource limit) forbids it.
  // The new pages count as written.
  std::optional<uint32_t> Grow(uint32_t delta);
  // A resource limit below the type's maximum; Grow() fails past it.
  void set_page_cap(uint32_t cap) { page_cap_ = cap; }
  // The most pages Grow() may reach: the type's maximum, 4 GiB, the page cap.
  uint32_t max_pages() const;

  // Called instead of unmapping the memory's address space when the memory
  // (or whichever Memory its contents went to by SwapContents) is
  // destroyed: the space, emptied in place first (its pages freed, and no
  // longer registered for page faults), is offered as [start, start +
  // bytes); true keeps it reserved for the hook's owner, who unmaps it,
  // false lets it go. A post-copy's destination places pages by address:
  // until it stops, that address range must not be given to anything else.
  using ReleaseHook = std::function<bool(void* start, uint64_t bytes)>;
  void set_release_hook(ReleaseHook hook) { release_hook_ = std::move(hook); }

  // Exchanges contents (and size) with `other`, each keeping its type and
  // page cap: a memory filled ahead of time (a pre-copied migration's
  // rounds) becomes an instance's without a copy. Requires both to be at
  // most the other's max_pages() and neither to be in use by a running
  // thread (the interpreter caches data()); the dirty-page maps and the
  // release hooks go along.
  void SwapContents(Memory& other);

  // Bounds-checked view of [addr, addr + len); nullopt when out of bounds.
  // Host functions use this for every guest pointer they may write through
  // (reads may use data() and size_bytes()). The view's pages count as
  // written when the host call returns (MarkSpansWritten()); a caller outside
  // a host call must call MarkWritten() after writing.
  std::optional<std::span<uint8_t>> Span(uint64_t addr, uint64_t len);
  // Marks again every range Span() handed out since the last call, now that
  // the writes through them are done. The interpreter calls it whenever a
  // host function returns; owning thread only.
  void MarkSpansWritten();

  // Marks the pages of [addr, addr + len) as written; call it after writing.
  // Requires the range to be in bounds. Nothing happens for len == 0.
  void MarkWritten(uint64_t addr, uint64_t len) { MarkRange(base_, addr, len); }

  // The interpreter's form of MarkWritten for a store of 1 to 16 bytes at
  // `addr` (so at most two pages) into the memory whose data() is `base`.
  static void MarkStored(uint8_t* base, uint64_t addr, uint64_t len) {
    uint8_t* map = base - kDirtyMapBytes;
    std::atomic_ref<uint8_t>(map[addr / kDirtyPageSize]).store(1, std::memory_order_release);
    std::atomic_ref<uint8_t>(map[(addr + len - 1) / kDirtyPageSize])
        .store(1, std::memory_order_release);
  }
  // MarkWritten for any length (memory.fill, memory.copy, memory.init).
  static void MarkRange(uint8_t* base, uint64_t addr, uint64_t len) {
    if (len == 0) return;
    uint8_t* map = base - kDirtyMapBytes;
    for (uint64_t p = addr / kDirtyPageSize; p <= (addr + len - 1) / kDirtyPageSize; ++p) {
      std::atomic_ref<uint8_t>(map[p]).store(1, std::memory_order_release);
    }
  }

  // Begins a migration's rounds: the next TakeDirtyPages() reports every page
  // of the memory (the first round sends them all). Any thread.
  void StartDirtyTracking() { report_all_.store(true, std::memory_order_relaxed); }
  // The 4 KiB pages (index = byte address / kDirtyPageSize), ascending, written
  // since the previous take (or every page, after StartDirtyTracking()), and
  // clears them. One taker at a time; see the class comment for the ordering
  // contract. Costs a scan of one byte per page of the current size.
  // kOwnThread: called by the thread the memory belongs to, so no guest
  // write can race the scan (a freeze's last take, at a safepoint): it
  // reads the map 64 pages at a time with no atomic operations, about ten
  // times faster on a large memory. The taker's lock (one at a time) must
  // still order it against another thread's takes.
  enum class Taker : uint8_t { kAnyThread, kOwnThread };
  std::vector<uint32_t> TakeDirtyPages(Taker taker = Taker::kAnyThread);

 private:
  Memory() = default;
  // Makes `delta` more pages accessible and publishes the new size; false if
  // the host refuses. Marks nothing. Requires the limits to allow it.
  bool Commit(uint32_t delta);

  MemoryType type_;
  uint8_t* base_ = nullptr;  // data(); the dirty map is the kDirtyMapBytes below it.
  // Written by the owning thread only; atomic because a taker reads it.
  std::atomic<uint64_t> size_ = 0;
  uint64_t reserved_ = 0;  // Bytes reserved for the memory, from base_.
  uint32_t page_cap_ = kMaxPages;
  std::atomic<bool> report_all_ = false;
  // (addr, len) of the views Span() handed out in the current host call.
  std::vector<std::pair<uint64_t, uint64_t>> spans_;
  ReleaseHook release_hook_;  // Follows the contents (SwapContents).
};

// A table of references, each stored like Value::lo (0 = null).
class Table {
 public:
  // Tables never hold more elements than this, whatever their type allows, so
  // a hostile module cannot exhaust host memory through a table.
  static constexpr uint32_t kMaxElems = 10'000'000;

  Table(TableType type, uint64_t init_ref);  // Requires min <= kMaxElems.
  const TableType& type() const { return type_; }
  uint32_t size() const { return uint32_t(elems_.size()); }
  std::vector<uint64_t>& elems() { return elems_; }
  const std::vector<uint64_t>& elems() const { return elems_; }
  // Returns the old size, or nullopt when the maximum forbids growth.
  std::optional<uint32_t> Grow(uint32_t delta, uint64_t init_ref);

 private:
  TableType type_;
  std::vector<uint64_t> elems_;
};

struct GlobalCell {
  GlobalType type;
  uint64_t lo = 0;
  uint64_t hi = 0;
};

class Thread;
class Instance;
class CompiledModule;

// What a host function tells the interpreter to do next.
enum class HostAction : uint8_t {
  kReturn,  // Results are written; continue after the call.
  kTrap,    // Trap with HostCall::trap_message.
  kYield,   // Suspend: Thread::Run() returns RunStatus::kYielded, and the next
            // Run() calls this host function again with the same arguments.
            // This is how a waiting host call parks a process without
            // blocking a worker; it is also a safepoint for snapshots.
  kExit,    // End the thread with HostCall::exit_code (WASI proc_exit).
};

// The arguments of one host-function call.
struct HostCall {
  Thread& thread;
  Instance* caller;  // The calling instance; null for a direct Invoke().
  std::span<const Value> args;
  std::span<Value> results;  // Sized to the function type's results.
  std::string trap_message;  // Set with HostAction::kTrap.
  int32_t exit_code = 0;     // Set with HostAction::kExit.

  // The caller's memory 0, or null if it has none. Guest pointers are checked
  // with Memory::Span().
  Memory* memory() const;
};

using HostFunction = std::function<HostAction(HostCall&)>;

// A function: either Wasm code of an instance or a host function.
struct FunctionInstance {
  FuncType type;
  uint32_t type_id = 0;          // Store::InternType(type): equal ids, equal types.
  Instance* instance = nullptr;  // Null for host functions.
  uint32_t func_index = 0;       // Index in the instance's module.
  HostFunction host;
  std::string debug_name;
};

// An external value: what an import is satisfied by and an export names.
struct Extern {
  ExternKind kind = ExternKind::kFunc;
  uint32_t addr = 0;
};

// Owns every runtime object of a set of linked instances (for a Shoal
// process: one store per process). Addresses are assigned in creation order,
// so building the same store the same way yields the same addresses on any
// node; snapshots rely on that.
class Store {
 public:
  Store();
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  FuncAddr AddHostFunction(FuncType type, HostFunction fn, std::string debug_name);
  // Returns a small id that is equal for structurally equal function types,
  // so call_indirect checks a signature with one integer compare.
  uint32_t InternType(const FuncType& type);
  Result<MemAddr> AddMemory(MemoryType type);
  // Fails with kNoMemory when the initial size is beyond what a table may hold.
  Result<TableAddr> AddTable(TableType type, uint64_t init_ref = 0);
  GlobalAddr AddGlobal(GlobalType type, Value init);

  FunctionInstance& func(FuncAddr a) { return *funcs_[a]; }
  Memory& memory(MemAddr a) { return *memories_[a]; }
  Table& table(TableAddr a) { return *tables_[a]; }
  GlobalCell& global(GlobalAddr a) { return *globals_[a]; }
  uint32_t func_count() const { return uint32_t(funcs_.size()); }
  uint32_t memory_count() const { return uint32_t(memories_.size()); }
  uint32_t table_count() const { return uint32_t(tables_.size()); }
  uint32_t global_count() const { return uint32_t(globals_.size()); }

  // Checks that `ext` exists in this store and matches `import`'s type under
  // the spec's import subtyping rules.
  VoidResult CheckImport(const Module& module, const Import& import, const Extern& ext);

 private:
  friend class Instance;
  std::vector<std::unique_ptr<FunctionInstance>> funcs_;
  std::vector<std::unique_ptr<Memory>> memories_;
  std::vector<std::unique_ptr<Table>> tables_;
  std::vector<std::unique_ptr<GlobalCell>> globals_;
  std::vector<std::unique_ptr<Instance>> instances_;
  std::vector<FuncType> interned_types_;
};

// Decodes, validates and compiles a module. The result is immutable and may be
// shared by many instances (and stores). Errors: kMalformed or kInvalid, with
// the message of DecodeModule() or ValidateModule().
Result<std::shared_ptr<const CompiledModule>> LoadModule(std::span<const uint8_t> bytes);

// What Instantiate() does with the module's start function.
enum class StartFunction : uint8_t {
  kRun,    // Run it to completion inside Instantiate(), with unbounded fuel.
  kDefer,  // Leave it to the caller (start_function()), who runs it on a
           // Thread with fuel like any other call, so it can be preempted.
};

// A module instance. Created by Instantiate(), owned by its Store.
class Instance {
 public:
  // Links `imports` (one per module import, in order), allocates the
  // instance's memories, tables and globals in `store`, initializes active
  // segments and runs or defers the start function, if any. Errors:
  // kLinkError (import mismatch, with the import's name), kTrap (a segment out
  // of bounds or a trapping start function; the store keeps what was written).
  static Result<Instance*> Instantiate(Store& store, std::shared_ptr<const CompiledModule> module,
                                       std::span<const Extern> imports,
                                       StartFunction start = StartFunction::kRun);

  const Module& module() const;
  const CompiledModule& compiled() const { return *compiled_; }
  Store& store() { return store_; }
  std::optional<Extern> GetExport(std::string_view name) const;
  // The start function Instantiate() deferred (StartFunction::kDefer), which
  // the caller must run before anything else; nullopt when there is none.
  std::optional<FuncAddr> start_function() const { return deferred_start_; }

  // Index spaces of this instance mapped to store addresses.
  std::span<const FuncAddr> funcs() const { return funcs_; }
  std::span<const TableAddr> tables() const { return tables_; }
  std::span<const MemAddr> memories() const { return memories_; }
  std::span<const GlobalAddr> globals() const { return globals_; }
  // Module type index -> Store::InternType() id.
  std::span<const uint32_t> type_ids() const { return type_ids_; }
  // Segments dropped by data.drop / elem.drop (or consumed by instantiation).
  std::vector<bool>& dropped_data() { return dropped_data_; }
  std::vector<bool>& dropped_elems() { return dropped_elems_; }
  // The evaluated references of element segment `index` (as Value::lo), for
  // table.init; empty once the segment is dropped.
  std::vector<std::vector<uint64_t>>& elem_refs() { return elem_refs_; }

 private:
  Instance(Store& store, std::shared_ptr<const CompiledModule> module);
  Store& store_;
  std::shared_ptr<const CompiledModule> compiled_;
  std::vector<FuncAddr> funcs_;
  std::vector<TableAddr> tables_;
  std::vector<MemAddr> memories_;
  std::vector<GlobalAddr> globals_;
  std::vector<uint32_t> type_ids_;
  std::optional<FuncAddr> deferred_start_;
  std::vector<bool> dropped_data_;
  std::vector<bool> dropped_elems_;
  std::vector<std::vector<uint64_t>> elem_refs_;
};

}  // namespace shoal::vm
