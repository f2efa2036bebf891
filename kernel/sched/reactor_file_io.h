// ReactorFileIo: the node's FileIo (kernel/base/file_io.h) on the io_uring
// reactor. Completions run on the reactor thread and must not block.
#pragma once

#include "kernel/base/file_io.h"
#include "kernel/sched/reactor.h"

namespace shoal::kernel {

class ReactorFileIo final : public FileIo {
 public:
  // The reactor must outlive this object and every operation started on it.
  // With `cached_reads`, ReadNow serves page-cache hits at once
  // (preadv2 with RWF_NOWAIT); without, every read goes to the reactor.
  explicit ReactorFileIo(Reactor& reactor, bool cached_reads = true)
      : reactor_(reactor), cached_reads_(cached_reads) {}

  int Read(int fd, std::span<uint8_t> buffer, uint64_t offset, Callback done) override;
  int Write(int fd, std::span<const uint8_t> buffer, uint64_t offset, Callback done) override;
  int Sync(int fd, SyncScope scope, Callback done) override;
  int64_t ReadNow(int fd, std::span<uint8_t> buffer, uint64_t offset) override;

 private:
  Reactor& reactor_;
  const bool cached_reads_;
};

}  // namespace shoal::kernel
