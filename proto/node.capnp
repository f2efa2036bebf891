# The node's bootstrap on the data plane: what one shoald offers another
# over their connection (docs/remote.md, "Between nodes").
#
# Trust model. The data plane connects only nodes that prove their names
# with a certificate of the cluster CA (kernel/remote/transport.h), so the CA
# is the membership authority, as for the Peer service: whoever holds a
# CA-signed node certificate is a node of the cluster. A peer node is trusted
# like an administrator of the cluster: an admin may already start a process
# on any node with any of its host directories preopened, so a node may open
# any host directory of its peers (each open gets its own capability, with
# at most the rights asked for). Processes never reach this interface: they
# hold only the capabilities their node hands them as handles.
#
# Version 1. Add methods only at the end; never renumber.

@0xceb51237e67a6013;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("shoal::proto::rpc");

using ObjectRpc = import "object_rpc.capnp";
using Image = import "image.capnp";

interface Node {
  # Opens host directory `path` (absolute, on the serving node) as a
  # Directory capability with at most `rights` (shoal::kernel::Rights). A
  # failure (no such directory, a path that is not one, rights beyond
  # Rights::kAll) is an outcome, never an exception.
  openDirectory @0 (path :Text, rights :UInt32)
      -> (outcome :ObjectRpc.Outcome, handle :ObjectRpc.Handle);

  # This node's process spawner (a Spawner handle: kManage, kDuplicate,
  # kTransfer), which the asking node binds at /nodes/NAME so that its
  # guests start children here. The children are this node's processes:
  # its pids, listed by its ps, their output in its logs. kNotSupported
  # when this node serves no spawner.
  spawner @1 () -> (outcome :ObjectRpc.Outcome, handle :ObjectRpc.Handle);

  # Receives a migrating process (docs/migration.md, "Live migration
  # protocol"): its pid, for messages, and the size of its image, which
  # then arrives in order through the Migration's write (0: told later by
  # expectImage, after a pre-copy). `moveId`, the source's random name for
  # this move, goes into the destination's durable record of the commit
  # (Peer.MoveOutcome answers by it). `moduleSha256`, set by a pre-copy,
  # names the module it will send ahead: `hasModule` answers that this node
  # has it already (then it is not sent). kNoMemory when this node will not
  # take an image that large; kAlreadyExists when the pid runs here.
  # `postCopy` asks for a post-copy (Migration.postCopy): kNotSupported,
  # with the reason, when this node cannot resolve page faults. A move
  # with imageBytes 0 and no postCopy (a pre-copy) sends its pages on a page
  # stream of its own (migrate/page_stream.h): this node listens for it on
  # its data-plane host at `pagePort` and takes only a connection of the
  # source's that presents `pageToken` (16 bytes).
  migrateIn @2 (pid :UInt64, imageBytes :UInt64, moveId :UInt64, moduleSha256 :Data,
                postCopy :Bool)
      -> (outcome :ObjectRpc.Outcome, migration :Migration, hasModule :Bool,
          pagePort :UInt16, pageToken :Data);

  # Opens `path`, which must lie below /dev/ (normal form, as
  # kernel::Namespace::CheckPath), in this node's kernel root namespace
  # with at most `rights`, and answers the handle: a device of any type
  # that can cross nodes (basic devices, cameras), or what a mount of
  # this node serves there. How `shoal mount NODE:/dev/X PATH` reaches a
  # device (docs/mounts.md); every open of the mount is one call, so a
  # restarted node needs no new mount. Failures are outcomes: kAccessDenied
  # for a path outside /dev/, kInvalidArgs for one not in normal form,
  # kNotFound for no such device.
  openDevice @3 (path :Text, rights :UInt32)
      -> (outcome :ObjectRpc.Outcome, handle :ObjectRpc.Handle);
}

# One process moving to the node that answered migrateIn. The source sends
# the image (migrate/image_codec.h, live objects allowed), then asks the
# destination to prepare it: build the process and check it against its
# module, without running it. Nothing runs on the destination before
# commit; dropping the capability before commit, or abort, drops what it
# received. The image's live-object handles (capIndex 0, 1, ...) arrive as
# `objects` in prepare, in the same order.
#
# A pre-copy (docs/migration.md, "Pre-copy") first sends the memories'
# pages on the move's page stream while the process still runs on the
# source, round after round, and the module, then ends the page stream
# (whose verdict says whether every batch was laid in), then expectImage
# and an image with memoriesAhead and no module, which carries only what
# the last round missed. prepare refuses a move whose page stream has not
# ended, or ended with an error.
interface Migration {
  write @0 (bytes :Data) -> stream;
  # Every byte of the image has come (exactly imageBytes, else kInvalidArgs)
  # and the process is built, checked and holds its pid. kMalformed /
  # kInvalidArgs name what is wrong with the image. A move opened with no
  # image size may send a small image (at most one write's worth) here as
  # `image` instead of expectImage and write: the freeze then sends one
  # message, not three.
  prepare @1 (objects :List(ObjectRpc.Handle), image :Data) -> (outcome :ObjectRpc.Outcome);
  # Runs the prepared process; answers its Process handle (kWait,
  # kManage), which the source's process object forwards to from now on.
  # The process runs from the commit on, but nothing it does leaves it
  # before the commit is durable here, which the answer waits for. The
  # answer says, in ns after the commit came, when the process first ran
  # here (2^64-1: not yet when the answer left) and when the answer left:
  # the source takes the freeze from them (its last instruction there to
  # its first here) without a shared clock.
  commit @2 () -> (outcome :ObjectRpc.Outcome, process :ObjectRpc.Handle,
                   startedAfterNs :UInt64, answeredAfterNs :UInt64);
  abort @3 ();
  # Retired: pages sent ahead travel on the page stream (migrateIn). Kept
  # so that the ordinals stay; unimplemented.
  retiredPages @4 (index :UInt32, pages :Image.Memory) -> stream;
  # The image's size, which migrateIn left at 0; before the first write.
  expectImage @5 (imageBytes :UInt64);
  # The process's module, sent ahead with the pages: the image then
  # carries only its hash (moduleSha256), which the module must match, as
  # the one migrateIn named. Not sent when migrateIn answered hasModule.
  module @6 (bytes :Data);
  # Post-copy (docs/migration.md, "Post-copy"), for a move opened with
  # postCopy: the process resumes here at commit, before its memories'
  # pages came. `memoryPages` is each memory's size in 64 KiB Wasm pages:
  # this node makes memories that large, no page touched. Sent before the
  # image, whose memoriesAhead carry no pages. From commit on,
  # a page the process touches first is asked of `source`; the source
  # sends the rest into `sink`. A source that goes away before the sink's
  # `done` ends the process here as trapped, with the reason.
  postCopy @7 (source :PageSource, memoryPages :List(UInt32)) -> (sink :PageSink);
  # Retired: the page stream's verdict tells the source that its pages are
  # all in place. Kept so that the ordinals stay; unimplemented.
  retiredSync @8 ();
}

# The source of a post-copy: the memories of the process that left it.
interface PageSource {
  # Pages [firstPage, firstPage + count) (4 KiB pages) of memory `index`,
  # as runs; pageCount is the memory's size.
  read @0 (index :UInt32, firstPage :UInt32, count :UInt32) -> (pages :Image.Memory);
}

# The destination of a post-copy: where the source sends the pages.
interface PageSink {
  # Pages of memory `index`; a page the process has meanwhile fetched (and
  # maybe written) is not overwritten.
  pages @0 (index :UInt32, pages :Image.Memory) -> stream;
  # Every page was sent: answers once they are all in place (or the process
  # ended), with how many 4 KiB pages the process asked for first itself.
  done @1 () -> (outcome :ObjectRpc.Outcome, demandPages :UInt64);
}
