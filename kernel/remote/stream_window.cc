#include "kernel/remote/stream_window.h"

#include <sys/socket.h>

#include <cstring>

namespace shoal::kernel::remote {
namespace {

class WindowedStream final : public kj::AsyncIoStream {
 public:
  explicit WindowedStream(kj::Own<kj::AsyncIoStream> inner) : inner_(kj::mv(inner)) {}

  kj::Promise<size_t> read(void* buffer, size_t min_bytes, size_t max_bytes) override {
    return inner_->read(buffer, min_bytes, max_bytes);
  }
  kj::Promise<size_t> tryRead(void* buffer, size_t min_bytes, size_t max_bytes) override {
    return inner_->tryRead(buffer, min_bytes, max_bytes);
  }
  kj::Maybe<uint64_t> tryGetLength() override { return inner_->tryGetLength(); }
  kj::Promise<void> write(const void* buffer, size_t size) override {
    return inner_->write(buffer, size);
  }
  kj::Promise<void> write(kj::ArrayPtr<const kj::ArrayPtr<const kj::byte>> pieces) override {
    return inner_->write(pieces);
  }
  kj::Promise<void> whenWriteDisconnected() override { return inner_->whenWriteDisconnected(); }
  void shutdownWrite() override { inner_->shutdownWrite(); }
  void abortRead() override { inner_->abortRead(); }
  void getsockopt(int level, int option, void* value, kj::uint* length) override {
    if (level == SOL_SOCKET && option == SO_SNDBUF && *length >= sizeof(int)) {
      int window = int(kStreamWindow);
      std::memcpy(value, &window, sizeof(window));
      *length = sizeof(window);
      return;
    }
    inner_->getsockopt(level, option, value, length);
  }
  void setsockopt(int level, int option, const void* value, kj::uint length) override {
    inner_->setsockopt(level, option, value, length);
  }
  void getsockname(struct sockaddr* addr, kj::uint* length) override {
    inner_->getsockname(addr, length);
  }
  void getpeername(struct sockaddr* addr, kj::uint* length) override {
    inner_->getpeername(addr, length);
  }

 private:
  kj::Own<kj::AsyncIoStream> inner_;
};

}  // namespace

kj::Own<kj::AsyncIoStream> WithStreamWindow(kj::Own<kj::AsyncIoStream> stream) {
  return kj::heap<WindowedStream>(kj::mv(stream));
}

}  // namespace shoal::kernel::remote
