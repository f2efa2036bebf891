# The object protocol: kernel objects as Cap'n Proto capabilities
# (ARCHITECTURE.md, invariants 3 and 7; docs/remote.md).
#
# One interface per kernel object type. Exporting a handle hands out one
# capability whose server holds the object and the rights of the handle; the
# server checks those rights on every call. A capability lives as long as
# capnp-rpc keeps it: when the holder drops it or the connection breaks, the
# server (and its reference to the object) goes away.
#
# Failures of an operation are values (an Outcome in the results); a capnp
# exception means the connection or the peer failed (peer gone), never an
# operation. Signals reach the holder through a watch: the server pushes the
# signal word whenever it changes, and the edges (pulses) it saw. Channels and ports go further and push
# their messages and packets to the holder (attach), so that a read on the
# holder's node never waits for the network.
#
# Version 2 (version 1, a hand-written union of requests, is retired). Add
# methods and fields only at the end; never renumber.

@0xbb81a5cc056133f6;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("shoal::proto::rpc");

# How an operation ended. `status` 0 is success (shoal::Status); otherwise
# `message` is for people, and `hostErrno`, for file and directory
# operations, is the errno the host reported.
struct Outcome {
  status @0 :UInt8;
  message @1 :Text;
  hostErrno @2 :Int32;
}

# A handle crossing the wire: the object's capability, its type
# (shoal::kernel::ObjectType) and the rights the receiving handle gets. The
# server behind `object` enforces its own rights whatever `rights` says.
struct Handle {
  object @0 :Object;
  type @1 :UInt8;
  rights @2 :UInt32;
  # What the sender's side of the handle knew that `object` does not, for
  # the object that takes the handle over (kernel/remote/handle_state.h).
  state @3 :HandleState;
}

# The holder's state of one handle, by object type; `none` for most.
struct HandleState {
  union {
    none @0 :Void;
    # A camera session's reader: the sequence of the last frame it took, so
    # the object that takes the handle over counts every frame after it
    # that the reader never got.
    cameraLastRead @1 :UInt64;
  }
}

# Held to keep a watch or an attachment going; dropping it ends it.
interface Subscription {}

interface SignalWatcher {
  # The object's signals (shoal::kernel::Signals) changed to `signals`, or
  # bits were raised as an edge: `pulsed` are bits that fired without staying
  # set (a console's kReadable on new bytes), for the watcher to pulse too.
  changed @0 (signals :UInt32, pulsed :UInt32) -> stream;
}

# What every object offers.
interface Object {
  # Calls watcher.changed() with the signals every time they change, until
  # `subscription` is dropped. `signals` is the state when the watch began.
  # Needs kWait.
  watch @0 (watcher :SignalWatcher) -> (outcome :Outcome, signals :UInt32,
                                        subscription :Subscription);
}

struct ChannelMessage {
  bytes @0 :Data;
  handles @1 :List(Handle);
}

interface ChannelSink {
  # The next message, in the order the endpoint queued them.
  deliver @0 (message :ChannelMessage) -> stream;
  # The peer endpoint is gone and every queued message was delivered.
  peerClosed @1 () -> ();
}

interface Channel extends(Object) {
  # Queues a message for the peer (ChannelOps::Write). The server waits for
  # room in the peer's queue rather than answering kShouldWait; writes are
  # queued in the order they arrive. Needs kWrite.
  write @0 (message :ChannelMessage) -> (outcome :Outcome);
  # Moves every message queued for this endpoint, now and later, to `sink`,
  # as fast as the sink accepts them, until `subscription` is dropped. Needs
  # kRead.
  attach @1 (sink :ChannelSink) -> (outcome :Outcome, subscription :Subscription);
}

struct PortPacket {
  key @0 :UInt64;
  type @1 :UInt8;        # shoal::kernel::PacketType
  observed @2 :UInt32;   # Signals, for signal packets.
  user @3 :List(UInt64); # Up to 4 words, for user packets.
}

interface PortSink {
  deliver @0 (packet :PortPacket) -> stream;
  # Port.cancel(key) reached the port: the signal packets with `key` that
  # were delivered before this were cancelled with it.
  cancelled @1 (key :UInt64) -> stream;
}

interface Port extends(Object) {
  # PortOps::WaitAsync on `object` (kWrite here, kWait on the object).
  waitAsync @0 (object :Object, signals :UInt32, key :UInt64) -> (outcome :Outcome);
  cancel @1 (key :UInt64) -> (outcome :Outcome);       # kWrite.
  queue @2 (packet :PortPacket) -> (outcome :Outcome);  # kWrite.
  # Moves every packet, now and later, to `sink` (kRead).
  attach @3 (sink :PortSink) -> (outcome :Outcome, subscription :Subscription);
}

interface Timer extends(Object) {
  # Fires `delayNs` from when the server receives the call (monotonic clocks
  # of two nodes are not comparable). kManage.
  set @0 (delayNs :UInt64) -> (outcome :Outcome);
  cancel @1 () -> (outcome :Outcome);  # kManage.
}

struct ConsoleChunk {
  offset @0 :UInt64;
  dropped @1 :UInt64;
  bytes @2 :Data;
  ended @3 :Bool;        # The console is closed and `offset` is its end.
  stream @4 :UInt8;      # Of every byte of `bytes`: a shoal::kernel::ConsoleStream.
}

interface Console extends(Object) {
  write @0 (bytes :Data) -> (outcome :Outcome, written :UInt64);  # kWrite.
  read @1 (offset :UInt64, maxBytes :UInt64) -> (outcome :Outcome, chunk :ConsoleChunk); # kRead.
  close @2 () -> (outcome :Outcome);  # kWrite.
}

struct DeviceInfo {
  deviceClass @0 :Text;
  name @1 :Text;
  properties @2 :List(Property);
  struct Property {
    key @0 :Text;
    value @1 :Text;
  }
}

interface Device extends(Object) {
  describe @0 () -> (outcome :Outcome, info :DeviceInfo);
  read @1 (maxBytes :UInt64) -> (outcome :Outcome, bytes :Data);
  write @2 (bytes :Data) -> (outcome :Outcome, written :UInt64);
  control @3 (request :Data) -> (outcome :Outcome, reply :Data);
}

# How a process ended (shoal::kernel::ExitStatus).
struct ExitStatus {
  reason @0 :UInt8;        # shoal::kernel::ExitReason
  code @1 :Int32;
  trapMessage @2 :Text;
  fuelUsed @3 :UInt64;
  cpuNs @4 :UInt64;
}

struct ProcessInfo {
  pid @0 :UInt64;
  exited @1 :Bool;         # `exit` is meaningful only when set.
  exit @2 :ExitStatus;
}

interface Process extends(Object) {
  info @0 () -> (outcome :Outcome, info :ProcessInfo);
  terminate @1 () -> (outcome :Outcome);  # kManage.
  kill @2 () -> (outcome :Outcome);       # kManage.
}

struct FileAttr {
  dev @0 :UInt64;
  ino @1 :UInt64;
  mode @2 :UInt32;
  nlink @3 :UInt64;
  size @4 :UInt64;
  atimNs @5 :UInt64;
  mtimNs @6 :UInt64;
  ctimNs @7 :UInt64;
}

interface File extends(Object) {
  read @0 (offset :UInt64, maxBytes :UInt64) -> (outcome :Outcome, bytes :Data);  # kRead.
  # offset UINT64_MAX appends. kWrite.
  write @1 (offset :UInt64, bytes :Data) -> (outcome :Outcome, written :UInt64);
  sync @2 (dataOnly :Bool) -> (outcome :Outcome);     # kWrite.
  stat @3 () -> (outcome :Outcome, attr :FileAttr);    # kRead.
  setSize @4 (size :UInt64) -> (outcome :Outcome);     # kWrite.
}

struct DirEntry {
  name @0 :Text;
  ino @1 :UInt64;
  mode @2 :UInt32;
}

interface Directory extends(Object) {
  # `options` is shoal::kernel::OpenOptions::Pack(); the new handle gets
  # `rights` limited by `granted` (the rights of the caller's handle) and by
  # the rights of this capability.
  open @0 (path :Text, options :UInt32, rights :UInt32, granted :UInt32)
      -> (outcome :Outcome, handle :Handle);
  stat @1 () -> (outcome :Outcome, attr :FileAttr);
  statAt @2 (path :Text, follow :Bool) -> (outcome :Outcome, attr :FileAttr);
  readDir @3 () -> (outcome :Outcome, entries :List(DirEntry));
  makeDirectory @4 (path :Text) -> (outcome :Outcome);
  unlink @5 (path :Text, directory :Bool) -> (outcome :Outcome);
  # `newDir` must be a directory of the same node (else EXDEV).
  rename @6 (oldPath :Text, newDir :Directory, newPath :Text) -> (outcome :Outcome);
  symlink @7 (target :Text, path :Text) -> (outcome :Outcome);
  readLink @8 (path :Text) -> (outcome :Outcome, target :Text);
  # A hard link; `newDir` as for rename. The source is never followed.
  link @9 (oldPath :Text, newDir :Directory, newPath :Text) -> (outcome :Outcome);
}

# A namespace provider (kernel/object/provider.h): what `shoal mount` binds.
interface Provider {
  open @0 (path :Text, rights :UInt32) -> (outcome :Outcome, handle :Handle);
}

struct SpawnRequest {
  module @0 :Data;           # The module's bytes.
  args @1 :List(Text);       # args[0] is the program name.
  handles @2 :List(Handle);  # The child's startup handles 0..n-1.
}

# A node's process spawner as a kernel object: what /nodes/NAME names in a
# namespace, so that a guest spawns children on another node.
interface Spawner extends(Object) {
  spawn @0 (request :SpawnRequest) -> (outcome :Outcome, process :Handle);
}

# A camera session (rdev/camera.h): one per opened handle.
struct CameraMode {
  format @0 :UInt8;  # shoal::rdev::PixelFormat
  width @1 :UInt32;
  height @2 :UInt32;
  rateNumerator @3 :UInt32;    # Frames per second as a fraction.
  rateDenominator @4 :UInt32;
}

struct CameraInfo {
  name @0 :Text;
  driver @1 :Text;
  modes @2 :List(CameraMode);
  mode @3 :CameraMode;
  streaming @4 :Bool;
  sessions @5 :UInt32;
  framesCaptured @6 :UInt64;
  started @7 :Bool;  # This session has started.
}

struct CameraFrame {
  sequence @0 :UInt64;
  captureNs @1 :UInt64;  # CLOCK_REALTIME on the capturing node.
  dropped @2 :UInt32;    # Frames the session lost before this one.
  mode @3 :CameraMode;
  bytes @4 :Data;
}

interface CameraSink {
  # The session's next frame, in capture order.
  deliver @0 (frame :CameraFrame) -> stream;
}

interface Camera extends(Object) {
  info @0 () -> (outcome :Outcome, info :CameraInfo);
  configure @1 (mode :CameraMode) -> (outcome :Outcome);  # kManage.
  # Starts the session (kRead) and moves its frames to `sink` as fast as the
  # sink's stream window allows, until `subscription` is dropped or stop. A
  # sink that falls behind leaves frames queued in the session, where the
  # oldest are dropped and counted in the next frame's `dropped`.
  start @2 (sink :CameraSink) -> (outcome :Outcome, subscription :Subscription);
  stop @3 () -> (outcome :Outcome);  # kRead.
}

# An audio session (rdev/audio.h): one per opened handle.
struct AudioConfig {
  format @0 :UInt8;  # shoal::rdev::SampleFormat
  rate @1 :UInt32;
  channels @2 :UInt32;
  periodFrames @3 :UInt32;
  bufferPeriods @4 :UInt32;
}

struct AudioInfo {
  name @0 :Text;
  driver @1 :Text;
  direction @2 :UInt8;  # shoal::rdev::AudioDirection
  formats @3 :List(UInt8);
  rates @4 :List(UInt32);
  maxChannels @5 :UInt32;
  config @6 :AudioConfig;
}

# Underruns and overruns travel here and in a read's `lost`: nothing is
# dropped without being counted.
struct AudioStatus {
  started @0 :Bool;
  busy @1 :Bool;
  frames @2 :UInt64;
  queuedFrames @3 :UInt64;
  latencyNs @4 :UInt64;
  xruns @5 :UInt64;
  framesLost @6 :UInt64;
}

# Every operation is one call on the device's node, so the ring that paces
# the stream is the device's own and the wire adds one round trip (tens of
# microseconds on loopback) to a period, far inside a 5 ms period: a second
# ring on the holder's side would add its whole depth to the latency.
# kShouldWait travels as an outcome and the holder parks on the mirrored
# kWritable or kReadable.
interface Audio extends(Object) {
  info @0 () -> (outcome :Outcome, info :AudioInfo);
  status @1 () -> (outcome :Outcome, status :AudioStatus);
  configure @2 (config :AudioConfig) -> (outcome :Outcome);  # kManage.
  start @3 () -> (outcome :Outcome);  # kWrite on a sink, kRead on a source.
  stop @4 () -> (outcome :Outcome);   # As start.
  drain @5 () -> (outcome :Outcome);  # As start; a sink only.
  write @6 (bytes :Data) -> (outcome :Outcome, frames :UInt64);  # kWrite.
  read @7 (maxBytes :UInt64) -> (outcome :Outcome, bytes :Data, lost :UInt64);  # kRead.
}
