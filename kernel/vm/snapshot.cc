// Snapshots of an instance: globals, memories, tables and segment state.
// Threads are in snapshot_thread.cc.
#include "kernel/vm/snapshot.h"

#include <cstring>

namespace shoal::vm {

namespace {

Error Bad(const std::string& what) { return MakeError(Status::kInvalidArgs, "snapshot: " + what); }

}  // namespace

InstanceImage CaptureInstance(Instance& instance, MemoryCapture memories) {
  Store& store = instance.store();
  InstanceImage image;
  for (GlobalAddr a : instance.globals()) {
    const GlobalCell& g = store.global(a);
    image.globals.push_back({g.lo, g.hi});
  }
  for (MemAddr a : instance.memories()) {
    if (memories == MemoryCapture::kNone) break;
    Memory& m = store.memory(a);
    image.memories.emplace_back(m.data(), m.data() + m.size_bytes());
  }
  for (TableAddr a : instance.tables()) image.tables.push_back(store.table(a).elems());
  image.dropped_data = instance.dropped_data();
  image.dropped_elems = instance.dropped_elems();
  return image;
}

VoidResult RestoreInstance(Instance& instance, const InstanceImage& image,
                           std::span<Memory* const> ahead) {
  Store& store = instance.store();
  const size_t memories = ahead.empty() ? image.memories.size() : ahead.size();
  if (!ahead.empty() && !image.memories.empty()) {
    return Bad("instance image carries memories that went ahead");
  }
  if (image.globals.size() != instance.globals().size() || memories != instance.memories().size() ||
      image.tables.size() != instance.tables().size() ||
      image.dropped_data.size() != instance.dropped_data().size() ||
      image.dropped_elems.size() != instance.dropped_elems().size()) {
    return Bad("instance image does not match the module's index spaces");
  }
  for (size_t i = 0; i < ahead.size(); ++i) {
    const Memory& m = store.memory(instance.memories()[i]);
    const uint32_t pages = ahead[i]->pages();
    if (pages < m.pages() || pages > m.max_pages()) {
      return Bad("memory " + std::to_string(i) + " that went ahead has " + std::to_string(pages) +
                 " pages, outside the " + std::to_string(m.pages()) + " to " +
                 std::to_string(m.max_pages()) + " it may have");
    }
  }
  for (size_t i = 0; i < image.memories.size(); ++i) {
    Memory& m = store.memory(instance.memories()[i]);
    const std::vector<uint8_t>& bytes = image.memories[i];
    if (bytes.size() % kPageSize != 0 || bytes.size() < m.size_bytes()) {
      return Bad("memory " + std::to_string(i) + " has a bad size");
    }
    const uint64_t pages = bytes.size() / kPageSize;
    if (pages > m.pages() && !m.Grow(uint32_t(pages - m.pages()))) {
      return Bad("memory " + std::to_string(i) + " cannot grow to " + std::to_string(pages) +
                 " pages");
    }
  }
  for (size_t i = 0; i < image.tables.size(); ++i) {
    Table& t = store.table(instance.tables()[i]);
    if (image.tables[i].size() < t.size()) return Bad("table " + std::to_string(i) + " shrank");
    if (image.tables[i].size() > t.size() &&
        !t.Grow(uint32_t(image.tables[i].size() - t.size()), 0)) {
      return Bad("table " + std::to_string(i) + " cannot grow");
    }
    for (uint64_t ref : image.tables[i]) {
      if (ref != 0 && t.type().elem_type == ValType::kFuncRef && ref - 1 >= store.func_count()) {
        return Bad("table " + std::to_string(i) + " holds an unknown function");
      }
    }
  }
  // All checks passed: now write.
  for (size_t i = 0; i < image.globals.size(); ++i) {
    GlobalCell& g = store.global(instance.globals()[i]);
    g.lo = image.globals[i].lo;
    g.hi = image.globals[i].hi;
  }
  for (size_t i = 0; i < ahead.size(); ++i) {
    store.memory(instance.memories()[i]).SwapContents(*ahead[i]);
  }
  for (size_t i = 0; i < image.memories.size(); ++i) {
    Memory& m = store.memory(instance.memories()[i]);
    if (!image.memories[i].empty()) {
      std::memcpy(m.data(), image.memories[i].data(), image.memories[i].size());
      m.MarkWritten(0, image.memories[i].size());
    }
  }
  for (size_t i = 0; i < image.tables.size(); ++i) {
    store.table(instance.tables()[i]).elems() = image.tables[i];
  }
  instance.dropped_data() = image.dropped_data;
  instance.dropped_elems() = image.dropped_elems;
  for (size_t i = 0; i < image.dropped_elems.size(); ++i) {
    if (image.dropped_elems[i]) instance.elem_refs()[i].clear();
  }
  return Ok();
}

}  // namespace shoal::vm
