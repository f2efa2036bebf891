#include "kernel/remote/socket_buffer.h"

#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "kernel/remote/forwarding_stream.h"

namespace shoal::kernel::remote {
namespace {

class BufferedStream final : public ForwardingStream {
 public:
  explicit BufferedStream(kj::Own<kj::AsyncIoStream> inner)
      : ForwardingStream(kj::mv(inner)), in_(kSocketBufferBytes) {
    filling_.reserve(kSocketBufferBytes);
  }

  ~BufferedStream() noexcept(false) {
    // A caller was told these bytes are written, and may close right after
    // (the data plane's "drop this one" before it drops the connection):
    // hand them to the socket now, as far as it takes them without waiting,
    // as the socket would have held them had they gone straight to it. Not
    // while a write is out (sending_): how much of it went is unknown, and
    // what follows it must not overtake it.
    if (!sending_.empty() || filling_.empty()) return;
    KJ_IF_MAYBE (fd, inner().getFd()) {
      size_t at = 0;
      while (at < filling_.size()) {
        ssize_t n =
            ::send(*fd, filling_.data() + at, filling_.size() - at, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n <= 0) break;  // Full or gone: what is left is lost with the stream.
        at += size_t(n);
      }
    }
  }

  kj::Promise<size_t> tryRead(void* buffer, size_t min_bytes, size_t max_bytes) override {
    return ReadFrom(static_cast<kj::byte*>(buffer), min_bytes, max_bytes, 0);
  }

  kj::Promise<void> write(const void* buffer, size_t size) override {
    // The one piece lives as long as the write, which may wait for room.
    auto piece = kj::heap<kj::ArrayPtr<const kj::byte>>(static_cast<const kj::byte*>(buffer), size);
    kj::Promise<void> written = WritePieces(kj::arrayPtr(piece.get(), 1));
    return written.attach(kj::mv(piece));
  }
  kj::Promise<void> write(kj::ArrayPtr<const kj::ArrayPtr<const kj::byte>> pieces) override {
    return WritePieces(pieces);
  }

  void shutdownWrite() override {
    // After what is buffered: the peer must see every byte before the end.
    shutdown_ = Drained().then([this] { inner().shutdownWrite(); }).eagerlyEvaluate(nullptr);
  }

 private:
  // Serves the buffered bytes first, then reads on until `min_bytes` came.
  kj::Promise<size_t> ReadFrom(kj::byte* out, size_t min_bytes, size_t max_bytes, size_t done) {
    size_t n = std::min(max_bytes, in_end_ - in_begin_);
    std::memcpy(out, in_.data() + in_begin_, n);
    in_begin_ += n;
    done += n;
    if (n >= min_bytes) return done;
    out += n;
    min_bytes -= n;
    max_bytes -= n;
    if (max_bytes >= kDirectReadBytes) {
      return inner().tryRead(out, min_bytes, max_bytes).then([done](size_t got) {
        return done + got;
      });
    }
    return inner()
        .tryRead(in_.data(), 1, in_.size())
        .then([this, out, min_bytes, max_bytes, done](size_t got) -> kj::Promise<size_t> {
          in_begin_ = 0;
          in_end_ = got;
          if (got == 0) return done;  // The end of the stream.
          return ReadFrom(out, min_bytes, max_bytes, done);
        });
  }

  kj::Promise<void> WritePieces(kj::ArrayPtr<const kj::ArrayPtr<const kj::byte>> pieces) {
    KJ_IF_MAYBE (failure, failure_) {
      return kj::cp(*failure);
    }
    size_t size = 0;
    for (const auto& piece : pieces) size += piece.size();
    if (filling_.size() + size > kSocketBufferBytes && (flushing_ || !filling_.empty())) {
      // No room: once the buffer is out, try again (the pieces stay valid
      // until this write completes, the stream contract).
      return Drained().then([this, pieces] { return WritePieces(pieces); });
    }
    if (size > kSocketBufferBytes) return inner().write(pieces);  // Nothing buffered: direct.
    for (const auto& piece : pieces) filling_.insert(filling_.end(), piece.begin(), piece.end());
    if (!flushing_) {
      flushing_ = true;
      // evalLast: after every event already queued, so the 8 KiB pieces of
      // one message (and of the messages behind it) go out together.
      flush_ = kj::evalLast([this] { return Flush(); })
                   .catch_([this](kj::Exception&& e) {
                     failure_ = kj::mv(e);
                     filling_.clear();
                     flushing_ = false;
                   })
                   .fork();
    }
    return kj::READY_NOW;
  }

  // Writes the filled buffer, then whatever filled meanwhile, until empty.
  kj::Promise<void> Flush() {
    if (filling_.empty()) {
      flushing_ = false;
      return kj::READY_NOW;
    }
    std::swap(filling_, sending_);
    filling_.clear();
    return inner().write(sending_.data(), sending_.size()).then([this] {
      sending_.clear();
      return Flush();
    });
  }

  // Resolves once nothing is buffered or being written.
  kj::Promise<void> Drained() {
    if (!flushing_) return kj::READY_NOW;
    return flush_.addBranch();
  }

  std::vector<kj::byte> in_;  // Read ahead: [in_begin_, in_end_) not yet taken.
  size_t in_begin_ = 0;
  size_t in_end_ = 0;
  std::vector<kj::byte> filling_;  // Written here, not yet sent.
  std::vector<kj::byte> sending_;  // In the write on the socket.
  bool flushing_ = false;          // A flush is queued or running.
  kj::Maybe<kj::Exception> failure_;
  // Last, so they are cancelled before the buffers they use go away.
  kj::ForkedPromise<void> flush_ = nullptr;
  kj::Promise<void> shutdown_ = nullptr;
};

}  // namespace

kj::Own<kj::AsyncIoStream> WithSocketBuffer(kj::Own<kj::AsyncIoStream> stream) {
  return kj::heap<BufferedStream>(kj::mv(stream));
}

}  // namespace shoal::kernel::remote
