# The process image: a process stopped at a safepoint, as bytes
# (docs/migration.md, "The process image"; shoal::kernel::ProcessImage in
# kernel/proc/process_image.h). migrate/image_codec.h writes it behind a
# fixed header (magic, format version, payload length, SHA-256) to a file
# or to the wire, and checks everything the bytes alone can tell when it
# reads one back; the kernel checks the rest against the module.
#
# Kernel enums travel as their numeric values (UInt8), so a reader refuses
# what it does not know instead of mapping it to a default.
#
# Version 2 (version 1 kept a console per stream). Add fields only at the
# end; never renumber within a version.

@0xbac7bc6cc86516c6;

using Cxx = import "/capnp/c++.capnp";
using ObjectRpc = import "object_rpc.capnp";
$Cxx.namespace("shoal::proto::image");

# A typed Wasm value: `type` is a shoal::vm::ValType; `hi` is v128's upper
# half and 0 for every other type.
struct Value {
  type @0 :UInt8;
  lo @1 :UInt64;
  hi @2 :UInt64;
}

enum Compression {
  none @0;
  zstd @1;  # One zstd frame holding exactly pageCount * 4096 bytes.
  zero @2;  # All zero; no bytes.
  # Only on a page stream (migrate/page_stream.h): no bytes here, the run's
  # pageCount * 4096 bytes follow the batch's message on the stream. Never
  # in an image.
  following @3;
}

# A run of consecutive 4 KiB pages of a linear memory. A whole memory's
# runs hold non-zero pages; a delta's (ProcessImage.memoriesAhead) may be
# `zero`, for pages written back to zeros since the receiver got them.
struct PageRun {
  firstPage @0 :UInt32;  # Index of the run's first 4 KiB page.
  pageCount @1 :UInt32;  # 4 KiB pages.
  compression @2 :Compression;
  bytes @3 :Data;
}

# A linear memory: `pageCount` Wasm pages (64 KiB each). Pages that no run
# covers are all zero, or in a delta as the receiver has them; runs are
# ordered and do not overlap.
struct Memory {
  pageCount @0 :UInt32;
  runs @1 :List(PageRun);
}

struct GlobalValue {
  lo @0 :UInt64;
  hi @1 :UInt64;
}

struct Instance {
  globals @0 :List(GlobalValue);
  memories @1 :List(Memory);
  tables @2 :List(List(UInt64));  # References as Value.lo.
  droppedData @3 :List(Bool);
  droppedElems @4 :List(Bool);
}

# One Wasm frame (shoal::vm::FrameImage).
struct Frame {
  funcIndex @0 :UInt32;
  wasmOffset @1 :UInt32;
  kind @2 :UInt8;  # shoal::vm::SafepointKind.
  locals @3 :List(Value);
  operands @4 :List(Value);
}

struct Thread {
  entry @0 :UInt32;
  resultTypes @1 :List(UInt8);  # shoal::vm::ValType each.
  frames @2 :List(Frame);  # Callers first.
  fuelUsed @3 :UInt64;
}

struct Handle {
  value @0 :UInt32;
  rights @1 :UInt32;  # shoal::kernel::Rights.
  type @2 :UInt8;  # shoal::kernel::ObjectType.
  origin @3 :UInt8;  # shoal::kernel::HandleOrigin.
  # Origin kObject only: the index of the handle's capability in the side
  # list that travels next to the image on the wire. The image's live
  # objects are numbered 0, 1, 2... in handle order; 0 for other origins.
  capIndex @4 :UInt32;
  # Origin kTimer: the timer, moved by value.
  timer @5 :TimerValue;
  # Origin kPort: the port, moved by value.
  port @6 :PortValue;
  # Origin kChannel: the channel end, moved by value.
  channel @7 :ChannelValue;
}

# A channel end as data: its peer end by handle, moved by value with it (0:
# the peer is gone), and the messages queued for it, oldest first, none
# carrying handles.
struct ChannelValue {
  peer @0 :UInt32;
  inbox @1 :List(Data);
}

# A timer as data (shoal::kernel::TimerValue), relative to the moment the
# process was frozen.
struct TimerValue {
  state @0 :UInt8;  # shoal::kernel::TimerValue::State.
  remainingNs @1 :UInt64;  # Armed only: until it fires.
}

# A port as data: its queued packets, oldest first, and what it watches.
# Packets and watches together never exceed shoal::kernel::PortOps::kMaxPackets.
struct PortValue {
  packets @0 :List(ObjectRpc.PortPacket);
  watches @1 :List(PortWatch);
}

# One WaitAsync registration not yet fired, on the object `handle` names.
struct PortWatch {
  handle @0 :UInt32;
  signals @1 :UInt32;  # shoal::kernel::Signals.
  key @2 :UInt64;
}

struct Descriptor {
  fd @0 :UInt32;
  handle @1 :UInt32;  # The value of the handle it views.
  kind @2 :UInt8;  # shoal::kernel::DescriptorKind.
  rightsBase @3 :UInt64;
  rightsInheriting @4 :UInt64;
  preopenName @5 :Text;
  # kind 3 (an open file): the descriptor's position, and whether it was
  # opened for append (writes go to the end wherever the position is).
  position @6 :UInt64;
  append @7 :Bool;
}

# Where one stream's stretch of a console log begins; `stream` is a
# shoal::kernel::ConsoleStream.
struct ConsoleRun {
  offset @0 :UInt64;
  stream @1 :UInt8;
}

# A console log's retained output, from absolute offset `start`, with the
# stream of every byte: `runs` ascend, the first at `start`, each a change
# of stream.
struct Console {
  start @0 :UInt64;
  bytes @1 :Data;
  runs @2 :List(ConsoleRun);
}

# A poll_oneoff parked on a clock, relative to the moment of capture.
struct Poll {
  elapsedNs @0 :UInt64;
  remainingNs @1 :UInt64;  # UINT64_MAX: no clock.
}

struct ProcessImage {
  pid @0 :UInt64;
  parentPid @1 :UInt64;
  args @2 :List(Text);
  env @3 :List(Text);
  moduleSha256 @4 :Data;  # 32 bytes.
  module @5 :Data;  # Empty when the receiver has the bytes already.
  pageCap @6 :UInt32;
  fuelLimit @7 :UInt64;
  fuelUsed @8 :UInt64;
  cpuNs @9 :UInt64;
  instance @10 :Instance;
  thread @11 :Thread;
  startPending @12 :Bool;
  handles @13 :List(Handle);
  descriptors @14 :List(Descriptor);
  startupHandles @15 :List(UInt32);
  console @16 :Console;
  pendingPoll :union {
    none @17 :Void;
    parked @18 :Poll;
  }
  yieldPending @19 :Bool;
  # The memories went ahead in pre-copy rounds: each of instance.memories
  # is a delta, its pageCount the memory's size and its runs exactly the
  # pages written since the last round (zero runs included); pages no run
  # covers stay as the rounds left them on the receiver.
  memoriesAhead @20 :Bool;
  # The daemon's record of the process, carried along (kernel::ProcessImage).
  moves @21 :UInt32;
  startedUnixMs @22 :UInt64;
  # process_watch_terminate's port, by its handle; none when it watches none.
  terminateWatch :union {
    none @23 :Void;
    port @24 :TerminateWatch;
  }
}

struct TerminateWatch {
  handle @0 :UInt32;
  key @1 :UInt64;
}
