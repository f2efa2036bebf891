#include "kernel/remote/stream_window.h"

#include <sys/socket.h>

#include <cstring>

#include "kernel/remote/forwarding_stream.h"

namespace shoal::kernel::remote {
namespace {

class WindowedStream final : public ForwardingStream {
 public:
  using ForwardingStream::ForwardingStream;

  void getsockopt(int level, int option, void* value, kj::uint* length) override {
    if (level == SOL_SOCKET && option == SO_SNDBUF && *length >= sizeof(int)) {
      int window = int(kStreamWindow);
      std::memcpy(value, &window, sizeof(window));
      *length = sizeof(window);
      return;
    }
    ForwardingStream::getsockopt(level, option, value, length);
  }
};

}  // namespace

kj::Own<kj::AsyncIoStream> WithStreamWindow(kj::Own<kj::AsyncIoStream> stream) {
  return kj::heap<WindowedStream>(kj::mv(stream));
}

}  // namespace shoal::kernel::remote
