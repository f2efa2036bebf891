// WithSocketBuffer: the TCP stream under kj-tls, read and written in large
// socket calls.
//
// kj-tls (0.9.2) moves ciphertext through two 8 KiB buffers of its own
// (kj/compat/readiness-io.h): each read or write of the socket carries at
// most 8 KiB and costs an event-loop turn, so a 64 KiB message takes about
// eight read and eight write system calls on each side, where a blocking
// OpenSSL peer takes four (one per 16 KiB record). The wrapper sits between
// kj-tls and the socket:
//   - reads fill a buffer of kSocketBufferBytes in one call, so one system
//     call drains every record that has arrived; a read of at least
//     kDirectReadBytes with nothing buffered goes straight to the caller's
//     memory;
//   - writes are copied into a buffer of kSocketBufferBytes and complete at
//     once; the buffer goes out in one write when the loop has nothing else
//     to run (kj::evalLast) or when it is full. A write that does not fit
//     waits until the buffer is out, so memory stays bounded
//     (2 x kSocketBufferBytes per direction at most: one buffer filling, one
//     being written).
// Bytes keep their order; a failed write fails every later one.
//
// Threading: the loop thread only, like the stream it wraps.
#pragma once

#include <kj/async-io.h>

#include <cstddef>

namespace shoal::kernel::remote {

inline constexpr size_t kSocketBufferBytes = 256 * 1024;
inline constexpr size_t kDirectReadBytes = 64 * 1024;

kj::Own<kj::AsyncIoStream> WithSocketBuffer(kj::Own<kj::AsyncIoStream> stream);

}  // namespace shoal::kernel::remote
