# Kernel object operations as messages (ARCHITECTURE.md, invariant 3).
#
# Every operation of every object type is one ObjectRequest and one
# ObjectResponse; signal observations come back as ObjectEvents. The loopback proxy (kernel/object/
# loopback.h) sends these through a byte buffer today; the data plane will
# carry the same messages over Cap'n Proto RPC between nodes.
#
# Objects are named by export ids: the serving side exports an object to one
# connection and the client's proxy holds the id until it sends `release`.
# Version 1. Add fields and union members only at the end; never renumber.

@0xb52fc06b45423d1d;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("shoal::proto");
# Names carry their protocol (ObjectRequest, not Request): every schema of
# proto/ shares this namespace.

# A handle crossing the wire: an object the serving side exported to this
# connection, and the rights the handle carries (a subset of the export's).
struct HandleRef {
  exportId @0 :UInt64;
  type @1 :UInt8;      # shoal::kernel::ObjectType
  rights @2 :UInt32;   # shoal::kernel::Rights
}

struct PortPacket {
  key @0 :UInt64;
  type @1 :UInt8;        # shoal::kernel::PacketType
  observed @2 :UInt32;   # Signals, for signal packets.
  user @3 :List(UInt64); # Up to 4 words, for user packets.
}

struct ObjectRequest {
  target @0 :UInt64;     # Export id of the object the call is for.
  union {
    # Every object type.
    getSignals @1 :Void;
    observe @2 :Observe;
    cancelObserve @3 :UInt64;    # The client's observer token.
    release @4 :Void;            # The client dropped its proxy.

    channelWrite @5 :ChannelMessage;
    channelRead @6 :ChannelRead;

    portWaitAsync @7 :PortWaitAsync;
    portCancel @8 :UInt64;       # Key.
    portQueue @9 :PortPacket;
    portWait @10 :Void;

    timerSet @11 :UInt64;        # Deadline, CLOCK_MONOTONIC ns of the serving node.
    timerCancel @12 :Void;

    consoleWrite @13 :Data;
    consoleRead @14 :ConsoleRead;
    consoleClose @15 :Void;

    deviceDescribe @16 :Void;
    deviceRead @17 :UInt64;      # Max bytes.
    deviceWrite @18 :Data;
    deviceControl @19 :Data;     # The request; the reply comes back as `data`.

    processInfo @20 :Void;
    processTerminate @21 :Void;
    processKill @22 :Void;

    # Files: positional data IO and metadata (kernel/object/file.h).
    fileRead @23 :FileRead;
    fileWrite @24 :FileWrite;
    fileSync @25 :Bool;          # Data only (fdatasync)?
    stat @26 :Void;              # A file's or a directory's own attributes.
    fileSetSize @27 :UInt64;

    # Directories: paths relative to the target (kernel/object/directory.h).
    dirOpen @28 :DirOpen;
    dirStatAt @29 :DirPath;
    dirRead @30 :Void;
    dirMkdir @31 :Text;
    dirUnlink @32 :DirUnlink;
    dirRename @33 :DirRename;
    dirSymlink @34 :DirSymlink;
    dirReadLink @35 :Text;
  }

  struct Observe {
    mask @0 :UInt32;
    token @1 :UInt64;    # Chosen by the client, unique per connection; echoed in Events.
  }
  struct ChannelRead {
    maxBytes @0 :UInt64;
    maxHandles @1 :UInt64;
  }
  struct PortWaitAsync {
    object @0 :UInt64;   # Export id of the observed object.
    signals @1 :UInt32;
    key @2 :UInt64;
  }
  struct ConsoleRead {
    offset @0 :UInt64;
    maxBytes @1 :UInt64;
  }
  struct FileRead {
    offset @0 :UInt64;
    maxBytes @1 :UInt64;
  }
  struct FileWrite {
    offset @0 :UInt64;   # UINT64_MAX appends.
    bytes @1 :Data;
  }
  struct DirOpen {
    path @0 :Text;
    options @1 :UInt32;  # shoal::kernel::OpenOptions::Pack().
    rights @2 :UInt32;   # Rights asked for the new handle.
    granted @3 :UInt32;  # Rights of the caller's handle to the directory.
  }
  struct DirPath {
    path @0 :Text;
    follow @1 :Bool;
  }
  struct DirUnlink {
    path @0 :Text;
    directory @1 :Bool;
  }
  struct DirRename {
    oldPath @0 :Text;
    newDir @1 :UInt64;   # Export id of the destination directory.
    newPath @2 :Text;
  }
  struct DirSymlink {
    target @0 :Text;
    path @1 :Text;
  }
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

struct DirEntry {
  name @0 :Text;
  ino @1 :UInt64;
  mode @2 :UInt32;
}

struct ChannelMessage {
  bytes @0 :Data;
  handles @1 :List(HandleRef);
}

struct ConsoleChunk {
  offset @0 :UInt64;
  dropped @1 :UInt64;
  bytes @2 :Data;
}

struct ObjectResponse {
  status @0 :UInt8;    # shoal::Status; 0 is success and selects `result`.
  message @1 :Text;    # For people, when status is not 0.
  result :union {
    none @2 :Void;
    signals @3 :UInt32;
    channelMessage @4 :ChannelMessage;
    packet @5 :PortPacket;
    consoleChunk @6 :ConsoleChunk;
    consoleEnd @7 :UInt64;
    deviceInfo @8 :DeviceInfo;
    data @9 :Data;               # Bytes read (device or file), deviceControl's reply.
    count @10 :UInt64;           # Bytes written (device or file).
    processInfo @11 :ProcessInfo;
    attr @12 :FileAttr;
    entries @13 :List(DirEntry);
    handle @14 :HandleRef;       # An object opened for the client, exported to it.
    text @15 :Text;              # A symlink's target.
  }
  hostErrno @16 :Int32;  # With a failing status: the errno of a file or directory operation.
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

# An observer registered with `observe` fired.
struct ObjectEvent {
  token @0 :UInt64;
  observed @1 :UInt32;
}
