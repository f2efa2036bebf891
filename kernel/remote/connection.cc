#include "kernel/remote/connection.h"

#include "kernel/remote/stream_window.h"

namespace shoal::kernel::remote {
namespace {

capnp::ReaderOptions WireLimits() {
  capnp::ReaderOptions options;
  // A message carries at most one transfer (FileOps::kMaxTransfer, 1 MiB)
  // plus its framing; 16 MiB bounds what a hostile peer makes us read.
  options.traversalLimitInWords = 2 << 20;
  options.nestingLimit = 32;
  return options;
}

capnp::rpc::twoparty::Side ToCapnp(Connection::Side side) {
  return side == Connection::Side::kClient ? capnp::rpc::twoparty::Side::CLIENT
                                           : capnp::rpc::twoparty::Side::SERVER;
}

}  // namespace

Connection::Connection(std::shared_ptr<Loop> loop, kj::Own<kj::AsyncIoStream> stream, Side side,
                       const Bootstrap& bootstrap, std::string peer)
    : side_(side),
      link_(std::make_shared<Link>(std::move(loop), std::move(peer))),
      stream_(WithStreamWindow(kj::mv(stream))),
      network_(*stream_, ToCapnp(side), WireLimits()),
      rpc_(capnp::makeRpcServer(network_, bootstrap(link_))),
      disconnected_(network_.onDisconnect()
                        .then([link = link_] { link->MarkGone("the connection closed"); },
                              [link = link_](kj::Exception&& e) {
                                link->MarkGone(e.getDescription().cStr());
                              })
                        .fork()) {}

Connection::~Connection() { link_->MarkGone("the connection was closed here"); }

capnp::Capability::Client Connection::PeerBootstrapRaw() {
  capnp::word scratch[4];
  memset(scratch, 0, sizeof(scratch));
  capnp::MallocMessageBuilder message(scratch);
  auto vat = message.getRoot<capnp::rpc::twoparty::VatId>();
  vat.setSide(side_ == Side::kClient ? capnp::rpc::twoparty::Side::SERVER
                                     : capnp::rpc::twoparty::Side::CLIENT);
  return rpc_.bootstrap(vat);
}

}  // namespace shoal::kernel::remote
