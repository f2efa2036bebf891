#include "kernel/remote/socket_buffer.h"

#include <gtest/gtest.h>
#include <kj/async-io.h>
#include <kj/debug.h>

#include <cstdint>
#include <vector>

namespace shoal::kernel::remote {
namespace {

// Bytes that say where they are, so a lost, repeated or reordered stretch
// shows.
std::vector<kj::byte> Pattern(size_t size) {
  std::vector<kj::byte> bytes(size);
  uint32_t x = 12345;
  for (auto& b : bytes) {
    x = x * 1103515245u + 12345u;
    b = kj::byte(x >> 24);
  }
  return bytes;
}

// Write sizes that cross every path: small pieces that coalesce, pieces that
// overflow a half-full buffer, and one larger than the buffer.
const size_t kWrites[] = {
    1, 8192, 5, kSocketBufferBytes - 3, 100000, 16384, 7, 3 * kSocketBufferBytes, 65536, 1};

TEST(SocketBufferTest, EveryByteArrivesInOrderThroughRealSockets) {
  kj::AsyncIoContext io = kj::setupAsyncIo();
  kj::TwoWayPipe pipe = io.provider->newTwoWayPipe();  // A socketpair.
  kj::Own<kj::AsyncIoStream> writer = WithSocketBuffer(kj::mv(pipe.ends[0]));
  kj::Own<kj::AsyncIoStream> reader = WithSocketBuffer(kj::mv(pipe.ends[1]));
  size_t total = 0;
  for (size_t n : kWrites) total += n;
  std::vector<kj::byte> sent = Pattern(total);

  // Reads of mixed shapes: exact small reads, kj-tls's (1, 8192), and
  // large reads that go straight to the caller's memory.
  std::vector<kj::byte> got(total);
  kj::Promise<size_t> reading = [&]() -> kj::Promise<size_t> {
    struct Reader {
      kj::AsyncIoStream& stream;
      std::vector<kj::byte>& got;
      size_t step = 0;
      kj::Promise<size_t> Next(size_t done) {
        if (done == got.size()) return done;
        size_t left = got.size() - done;
        size_t shapes[][2] = {{1, 8192}, {3, 3}, {kDirectReadBytes, 2 * kDirectReadBytes}};
        size_t min = std::min(left, shapes[step % 3][0]);
        size_t max = std::min(left, shapes[step % 3][1]);
        ++step;
        return stream.tryRead(got.data() + done, min, max).then([this, done, min](size_t n) {
          KJ_REQUIRE(n >= min, "the stream ended early", done, n);
          return Next(done + n);
        });
      }
    };
    auto r = kj::heap<Reader>(Reader{*reader, got});
    kj::Promise<size_t> p = r->Next(0);
    return p.attach(kj::mv(r));
  }();

  // One write at a time, as kj streams require; pieces for every other one.
  size_t offset = 0;
  bool pieces = false;
  for (size_t n : kWrites) {
    const kj::byte* at = sent.data() + offset;
    if (pieces && n > 1) {
      kj::ArrayPtr<const kj::byte> parts[] = {{at, n / 2}, {at + n / 2, n - n / 2}};
      writer->write(kj::arrayPtr(parts, 2)).wait(io.waitScope);
    } else {
      writer->write(at, n).wait(io.waitScope);
    }
    pieces = !pieces;
    offset += n;
  }
  EXPECT_EQ(reading.wait(io.waitScope), total);
  EXPECT_TRUE(got == sent);
}

TEST(SocketBufferTest, ShutdownComesAfterTheBufferedBytes) {
  kj::AsyncIoContext io = kj::setupAsyncIo();
  kj::TwoWayPipe pipe = io.provider->newTwoWayPipe();
  kj::Own<kj::AsyncIoStream> writer = WithSocketBuffer(kj::mv(pipe.ends[0]));
  writer->write("hello", 5).wait(io.waitScope);  // Buffered: not yet sent.
  writer->shutdownWrite();
  kj::String text = pipe.ends[1]->readAllText().wait(io.waitScope);
  EXPECT_EQ(text, "hello");
}

TEST(SocketBufferTest, BytesWrittenJustBeforeTheStreamGoesStillArrive) {
  kj::AsyncIoContext io = kj::setupAsyncIo();
  kj::TwoWayPipe pipe = io.provider->newTwoWayPipe();
  kj::Own<kj::AsyncIoStream> writer = WithSocketBuffer(kj::mv(pipe.ends[0]));
  writer->write("D", 1).wait(io.waitScope);  // Buffered, the flush not yet run.
  writer = nullptr;                          // Closed at once, as a dropped connection.
  kj::String text = pipe.ends[1]->readAllText().wait(io.waitScope);
  EXPECT_EQ(text, "D");
}

TEST(SocketBufferTest, AWriteToAClosedPeerFailsTheLaterWrites) {
  kj::AsyncIoContext io = kj::setupAsyncIo();
  kj::TwoWayPipe pipe = io.provider->newTwoWayPipe();
  kj::Own<kj::AsyncIoStream> writer = WithSocketBuffer(kj::mv(pipe.ends[0]));
  pipe.ends[1] = nullptr;  // The peer is gone.
  std::vector<kj::byte> chunk(kSocketBufferBytes / 2, 'x');
  bool failed = false;
  for (int i = 0; i < 8 && !failed; ++i) {  // The first flush fails; a later write sees it.
    failed = writer->write(chunk.data(), chunk.size())
                 .then([] { return false; }, [](kj::Exception&&) { return true; })
                 .wait(io.waitScope);
  }
  EXPECT_TRUE(failed);
}

}  // namespace
}  // namespace shoal::kernel::remote
