// Where a process's standard streams go and come from.
//
// The kernel will capture console output per process (and forward it across
// the cluster), so stdout and stderr are written to an OutputSink rather than
// to host descriptors; `shoal run` plugs in sinks that write to its own
// stdout and stderr. Likewise stdin reads from an InputSource.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "kernel/base/thread_annotations.h"
#include "kernel/wasi/errno.h"

namespace shoal::wasi {

// Receives bytes a process writes to a standard stream.
class OutputSink {
 public:
  virtual ~OutputSink() = default;
  // Consumes all of `bytes` or fails (EIO, EPIPE, ...).
  virtual Errno Write(std::span<const uint8_t> bytes) = 0;
};

// Supplies bytes a process reads from stdin.
class InputSource {
 public:
  virtual ~InputSource() = default;
  // Reads up to buf.size() bytes; 0 means end of input. Returns kAgain when
  // no byte is available yet: the caller parks the process and retries after
  // WaitReadable() says so, instead of blocking a worker.
  virtual ErrnoOr<size_t> Read(std::span<uint8_t> buf) = 0;
  // The host descriptor to poll for readability while parked, or -1 when
  // Read() never returns kAgain.
  virtual int poll_fd() const { return -1; }
};

// Writes to a host file descriptor it does not own (e.g. 1 or 2).
class HostFdSink : public OutputSink {
 public:
  explicit HostFdSink(int fd) : fd_(fd) {}
  Errno Write(std::span<const uint8_t> bytes) override;

 private:
  int fd_;
};

// Collects output in memory; for tests and for capturing a process's console.
class StringSink : public OutputSink {
 public:
  Errno Write(std::span<const uint8_t> bytes) override;
  std::string contents() const;

 private:
  mutable Mutex mu_;
  std::string data_ GUARDED_BY(mu_);
};

// Reads from a host file descriptor it does not own, without blocking: when
// nothing is ready it reports kAgain.
class HostFdSource : public InputSource {
 public:
  explicit HostFdSource(int fd) : fd_(fd) {}
  ErrnoOr<size_t> Read(std::span<uint8_t> buf) override;
  int poll_fd() const override { return fd_; }

 private:
  int fd_;
};

// Serves a fixed string, then end of input.
class StringSource : public InputSource {
 public:
  explicit StringSource(std::string data) : data_(std::move(data)) {}
  ErrnoOr<size_t> Read(std::span<uint8_t> buf) override;

 private:
  std::string data_;
  size_t pos_ = 0;
};

}  // namespace shoal::wasi
