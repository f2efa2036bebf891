// WithStreamWindow: the connection's stream as capnp's two-party network
// sees it, with the window of its streaming calls set here.
//
// capnp sizes the flow-control window of streaming calls (a channel's or a
// port's deliveries to the holder) by asking the stream for SO_SNDBUF, and
// uses 64 KiB when it cannot say (a TLS stream cannot). One 64 KiB channel
// message then fills the window, so a bulk transfer waits a round trip per
// message. The wrapper answers SO_SNDBUF with kStreamWindow and passes
// everything else to the real stream.
#pragma once

#include <kj/async-io.h>

#include <cstddef>

namespace shoal::kernel::remote {

// Bytes of streaming calls in flight per connection: 64 channel messages of
// 64 KiB, or four of a migration's 1 MiB page batches. A window of one batch
// let only one cross at a time: the source waited a round trip, and the
// destination's applying of the pages, before it encoded the next. The
// receiving side bounds what it holds itself (a channel proxy's inbox), so
// this only decides how much the link may carry unanswered.
inline constexpr size_t kStreamWindow = 4 << 20;

kj::Own<kj::AsyncIoStream> WithStreamWindow(kj::Own<kj::AsyncIoStream> stream);

}  // namespace shoal::kernel::remote
