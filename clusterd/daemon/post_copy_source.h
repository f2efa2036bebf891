// The source's side of a post-copy (docs/migration.md, "Post-copy"): the
// memories of a process that left this node, frozen, whose pages the
// destination asks for as its process touches them (Node's PageSource),
// while the migrator sends it the rest (DataPlane::SendLazyPages).
//
// The memories come only once the move committed (Provide): a read that
// comes earlier waits for them; one that comes after Withhold (the move
// did not commit here) fails, and so does the process that asked.
//
// Threading: Serve() on the data plane's loop thread; the rest on any.
#pragma once

#include <memory>
#include <vector>

#include "kernel/base/result.h"
#include "kernel/remote/loop.h"
#include "kernel/vm/runtime.h"
#include "proto/node.capnp.h"

namespace shoal::clusterd {

// A frozen process's memories, read-only from the moment they are shared.
using FrozenMemories = std::vector<std::unique_ptr<vm::Memory>>;

class PostCopySource {
 public:
  explicit PostCopySource(std::shared_ptr<kernel::remote::Loop> loop);
  ~PostCopySource();  // Withholds what was never provided.
  PostCopySource(const PostCopySource&) = delete;
  PostCopySource& operator=(const PostCopySource&) = delete;

  // The capability for the destination. Loop thread.
  proto::rpc::PageSource::Client Serve();
  // Reads are answered from `memories` from now on, for as long as the
  // caller keeps them (then they fail): it frees them on its own thread.
  void Provide(std::weak_ptr<const FrozenMemories> memories);
  // Reads fail with `why` from now on.
  void Withhold(const std::string& why);

 private:
  struct State;  // On the loop (post_copy_source.cc).
  class Server;
  std::shared_ptr<kernel::remote::Loop> loop_;
  std::shared_ptr<State> state_;
  bool settled_ = false;
};

}  // namespace shoal::clusterd
