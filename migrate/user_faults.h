// UserFaults: a Linux userfaultfd, through which this process resolves the
// page faults of address ranges it registered. A thread that touches a
// missing page of such a range sleeps in the fault until the page is placed
// (Place, Zero) or the UserFaults is destroyed, after which its untouched
// pages read as zeros. It is how a post-copy's destination runs a process
// before its memory has come (docs/migration.md, "Post-copy"): the
// interpreter and the host calls read guest memory as always, and a page
// not yet there waits for its fetch, with no check on the interpreter's path.
//
// Kernel-mode faults (a syscall reading a guest buffer) are resolved too,
// which needs a userfaultfd that handles them: root (CAP_SYS_PTRACE), the
// vm.unprivileged_userfaultfd sysctl, or access to /dev/userfaultfd.
//
// Threading: any thread; the fault reader is one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "kernel/base/result.h"
#include "kernel/base/unique_fd.h"

namespace shoal::migrate {

class UserFaults {
 public:
  // The page size of placed ranges and fault addresses.
  static constexpr uint64_t kPageBytes = 4096;

  // kNotSupported, with the host's reason, when no userfaultfd can be had.
  static Result<std::unique_ptr<UserFaults>> Open();
  // Closing the descriptor wakes every thread still waiting in a fault; the
  // registered ranges then read their missing pages as zeros.
  ~UserFaults() = default;
  UserFaults(const UserFaults&) = delete;
  UserFaults& operator=(const UserFaults&) = delete;

  // Readable when a fault waits (NextFault); non-blocking.
  int fd() const { return fd_.get(); }

  // Missing-page faults of [start, start + bytes) come here from now on.
  // Both page-aligned; the range must be mapped (anonymous, private).
  VoidResult Register(void* start, uint64_t bytes);

  // Copies `bytes` (whole pages) from `src` to `dst`, page-aligned, into the
  // registered range, skipping pages already there (never overwritten), and
  // wakes the threads waiting for them. Answers the pages placed. kNotFound
  // when the range is no longer registered (its memory was unmapped).
  Result<uint64_t> Place(void* dst, const void* src, uint64_t bytes);
  // Place for all-zero pages, which costs no copy.
  Result<uint64_t> Zero(void* dst, uint64_t bytes);

  // The page-aligned address of the next fault waiting to be read, or
  // nullopt when there is none now. A fault is reported once; the thread
  // waits until its page is placed.
  Result<std::optional<uint64_t>> NextFault();

 private:
  explicit UserFaults(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace shoal::migrate
