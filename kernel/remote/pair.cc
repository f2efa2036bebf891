#include "kernel/remote/pair.h"

#include <kj/debug.h>

#include <future>

#include "kernel/remote/handles.h"
#include "kernel/remote/outcome.h"
#include "kernel/remote/provider_server.h"

namespace shoal::kernel::remote {

// Side A's bootstrap: the objects Proxy() registered, by name.
class Pair::Table final : public Provider {
 public:
  std::string Add(HandleEntry entry) {
    std::lock_guard lock(mu_);
    std::string name = std::to_string(next_++);
    entries_.emplace(name, std::move(entry));
    return name;
  }
  Result<HandleEntry> Open(std::string_view relative, Rights requested) override {
    std::lock_guard lock(mu_);
    auto it = entries_.find(std::string(relative));
    if (it == entries_.end()) return MakeError(Status::kNotFound, "no such object");
    HandleEntry entry = it->second;
    entries_.erase(it);  // Handed out once, as a handle moves.
    entry.rights = entry.rights & requested;
    return entry;
  }

 private:
  std::mutex mu_;
  uint64_t next_ = 1;
  std::map<std::string, HandleEntry> entries_;
};

std::unique_ptr<Pair> Pair::Create(Transport transport) {
  std::unique_ptr<Pair> pair(new Pair());
  pair->table_ = std::make_shared<Table>();
  pair->a_ = Loop::Start("a");
  pair->b_ = transport == Transport::kPipe ? pair->a_ : Loop::Start("b");
  std::shared_ptr<Table> table = pair->table_;
  Connection::Bootstrap offer_table = [table](const std::shared_ptr<Link>& link) {
    return capnp::Capability::Client(ExportProvider(link, table));
  };
  Connection::Bootstrap offer_nothing = [](const std::shared_ptr<Link>&) {
    return capnp::Capability::Client(KJ_EXCEPTION(FAILED, "side B offers nothing"));
  };
  if (transport == Transport::kPipe) {
    pair->a_->RunVoid([&] {
      kj::TwoWayPipe pipe = kj::newTwoWayPipe();
      pair->connection_a_ = new Connection(pair->a_, kj::mv(pipe.ends[0]),
                                           Connection::Side::kServer, offer_table, "a");
      pair->connection_b_ = new Connection(pair->a_, kj::mv(pipe.ends[1]),
                                           Connection::Side::kClient, offer_nothing, "a");
    });
    return pair;
  }
  // TCP on loopback: A listens on an ephemeral port, B dials it.
  struct Listening {
    kj::Own<kj::ConnectionReceiver> receiver;
  };
  auto listening = std::make_shared<Listening>();
  Result<uint32_t> port = pair->a_->RunAsync<Result<uint32_t>>([&] {
    return pair->a_->io()
        .getNetwork()
        .parseAddress("127.0.0.1", 0)
        .then([listening](kj::Own<kj::NetworkAddress> address) -> Result<uint32_t> {
          listening->receiver = address->listen();
          return uint32_t(listening->receiver->getPort());
        });
  });
  if (!port.ok()) return nullptr;
  Pair* p = pair.get();
  // A accepts in the background; B's connect completes when A has accepted
  // or the kernel's backlog took it, so B waits for both below.
  auto accepted = std::make_shared<std::promise<void>>();
  std::future<void> a_ready = accepted->get_future();
  pair->a_->Post([p, listening, accepted, offer_table] {
    p->a_->Detach(listening->receiver->accept().then(
                      [p, listening, accepted, offer_table](kj::Own<kj::AsyncIoStream> stream) {
                        p->connection_a_ = new Connection(
                            p->a_, kj::mv(stream), Connection::Side::kServer, offer_table, "b");
                        listening->receiver = nullptr;
                        accepted->set_value();
                      }),
                  "accept");
  });
  Result<bool> dialled = pair->b_->RunAsync<Result<bool>>([&] {
    return pair->b_->io()
        .getNetwork()
        .parseAddress("127.0.0.1", *port)
        .then([](kj::Own<kj::NetworkAddress> address) { return address->connect(); })
        .then([p, offer_nothing](kj::Own<kj::AsyncIoStream> stream) -> Result<bool> {
          p->connection_b_ =
              new Connection(p->b_, kj::mv(stream), Connection::Side::kClient, offer_nothing, "a");
          return true;
        });
  });
  if (!dialled.ok()) return nullptr;
  a_ready.wait();
  return pair;
}

Pair::~Pair() {
  Cut();
  if (b_ != a_) b_->Stop();
  a_->Stop();
}

void Pair::Cut() {
  if (connection_b_ != nullptr) {
    b_->RunVoid([this] {
      delete connection_b_;
      connection_b_ = nullptr;
    });
  }
  if (connection_a_ != nullptr) {
    a_->RunVoid([this] {
      delete connection_a_;
      connection_a_ = nullptr;
    });
  }
}

std::shared_ptr<Link> Pair::link_b() const {
  return b_->Run<std::shared_ptr<Link>>([this] { return connection_b_->link(); });
}

Result<Ref<KernelObject>> Pair::Proxy(Ref<KernelObject> object, Rights rights) {
  if (object == nullptr) return MakeError(Status::kInvalidArgs, "no object to proxy");
  std::string name = table_->Add(HandleEntry{std::move(object), rights});
  return b_->RunAsync<Result<Ref<KernelObject>>>([&]() -> kj::Promise<Result<Ref<KernelObject>>> {
    if (connection_b_ == nullptr) {
      return Result<Ref<KernelObject>>(MakeError(Status::kPeerGone, "the pair was cut"));
    }
    std::shared_ptr<Link> link = connection_b_->link();
    auto request = connection_b_->PeerBootstrap<proto::rpc::Provider>().openRequest();
    request.setPath(name);
    request.setRights(uint32_t(rights));
    return request.send().then([link](auto&& response) -> kj::Promise<Result<Ref<KernelObject>>> {
      VoidResult opened = ReadOutcome(response.getOutcome());
      if (!opened.ok()) return Result<Ref<KernelObject>>(opened.error());
      return ImportHandle(link, response.getHandle())
          .then([](Result<HandleEntry> entry) -> Result<Ref<KernelObject>> {
            if (!entry.ok()) return std::move(entry).error();
            return std::move(entry->object);
          });
    });
  });
}

}  // namespace shoal::kernel::remote
