#include "kernel/remote/pair.h"

#include <kj/debug.h>

#include <cstdio>
#include <future>
#include <map>

#include "kernel/base/thread_annotations.h"
#include "kernel/remote/handles.h"
#include "kernel/remote/opened.h"
#include "kernel/remote/outcome.h"
#include "kernel/remote/provider_server.h"
#include "kernel/remote/test_certificates.h"
#include "kernel/remote/transport.h"

namespace shoal::kernel::remote {
namespace {

// Certificates for nodes "a" and "b", minted once per process (openssl takes
// about 0.1 s a time) and never changed; null when minting failed.
const std::map<std::string, TlsIdentity>* PairCertificates() {
  static const std::map<std::string, TlsIdentity>* certificates = [] {
    auto minted = MintTestCertificates({"a", "b"});
    if (!minted.ok()) {
      std::fprintf(stderr, "remote::Pair: %s\n", minted.error().message.c_str());
      return static_cast<std::map<std::string, TlsIdentity>*>(nullptr);
    }
    return new std::map<std::string, TlsIdentity>(std::move(minted).value());
  }();
  return certificates;
}

}  // namespace

// Side A's bootstrap: the objects Proxy() registered, by name.
class Pair::Table final : public Provider {
 public:
  std::string Add(HandleEntry entry) {
    MutexLock lock(&mu_);
    std::string name = std::to_string(next_++);
    entries_.emplace(name, std::move(entry));
    return name;
  }
  void OpenAsync(std::string_view relative, Rights requested, OpenDone done) override {
    done(Take(relative, requested));
  }

 private:
  Result<HandleEntry> Take(std::string_view relative, Rights requested) {
    MutexLock lock(&mu_);
    auto it = entries_.find(std::string(relative));
    if (it == entries_.end()) return MakeError(Status::kNotFound, "no such object");
    HandleEntry entry = it->second;
    entries_.erase(it);  // Handed out once, as a handle moves.
    entry.rights = entry.rights & requested;
    return entry;
  }

  Mutex mu_;
  uint64_t next_ GUARDED_BY(mu_) = 1;
  std::map<std::string, HandleEntry> entries_ GUARDED_BY(mu_);
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
  if (transport == Transport::kTls) {
    if (!pair->ConnectTls(offer_table, offer_nothing)) return nullptr;
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

bool Pair::ConnectTls(const Connection::Bootstrap& offer_a, const Connection::Bootstrap& offer_b) {
  const std::map<std::string, TlsIdentity>* certificates = PairCertificates();
  if (certificates == nullptr) return false;
  auto options = [certificates](const char* name) {
    TransportOptions o;
    o.self = name;
    o.tls = certificates->at(name);
    return o;
  };
  // A listens on an ephemeral port and takes the first peer that proves its
  // name; B dials it, expecting "a".
  struct Accepting {
    kj::Own<remote::Transport::Listener> listener;
    std::promise<bool> accepted;
    bool answered = false;  // Loop A only.
  };
  auto accepting = std::make_shared<Accepting>();
  std::future<bool> a_ready = accepting->accepted.get_future();
  Result<std::string> address =
      a_->RunAsync<Result<std::string>>([&]() -> kj::Promise<Result<std::string>> {
        auto created = remote::Transport::Create(*a_, options("a"));
        if (!created.ok()) return Result<std::string>(created.error());
        transport_a_ = std::move(created).value().release();
        return transport_a_
            ->Listen(
                "127.0.0.1:0",
                [this, accepting, offer_a](PeerStream peer) {
                  if (accepting->answered) return;
                  accepting->answered = true;
                  connection_a_ = new Connection(a_, kj::mv(peer.stream), Connection::Side::kServer,
                                                 offer_a, peer.peer);
                  accepting->accepted.set_value(true);
                },
                [accepting](const Error& why) {
                  std::fprintf(stderr, "remote::Pair: %s\n", why.message.c_str());
                  if (accepting->answered) return;
                  accepting->answered = true;
                  accepting->accepted.set_value(false);
                })
            .then([accepting](Result<kj::Own<remote::Transport::Listener>> listener)
                      -> Result<std::string> {
              if (!listener.ok()) return std::move(listener).error();
              accepting->listener = std::move(listener).value();
              return accepting->listener->address();
            });
      });
  if (!address.ok()) return false;
  Result<bool> dialled = b_->RunAsync<Result<bool>>([&]() -> kj::Promise<Result<bool>> {
    auto created = remote::Transport::Create(*b_, options("b"));
    if (!created.ok()) return Result<bool>(created.error());
    transport_b_ = std::move(created).value().release();
    return transport_b_->Dial(*address, "a")
        .then([this, offer_b](Result<PeerStream> peer) -> Result<bool> {
          if (!peer.ok()) return std::move(peer).error();
          connection_b_ = new Connection(b_, kj::mv(peer->stream), Connection::Side::kClient,
                                         offer_b, peer->peer);
          return true;
        });
  });
  bool joined = dialled.ok() &&
                a_ready.wait_for(std::chrono::seconds(10)) == std::future_status::ready &&
                a_ready.get();
  if (!dialled.ok()) std::fprintf(stderr, "remote::Pair: %s\n", dialled.error().message.c_str());
  a_->RunVoid([accepting] { accepting->listener = nullptr; });
  return joined;
}

Pair::~Pair() {
  Cut();
  if (transport_b_ != nullptr) {
    b_->RunVoid([this] {
      delete transport_b_;
      transport_b_ = nullptr;
    });
  }
  if (transport_a_ != nullptr) {
    a_->RunVoid([this] {
      delete transport_a_;
      transport_a_ = nullptr;
    });
  }
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
    return request.send()
        .then([link](auto&& response) {
          return ImportOpened(link, response.getOutcome(), response.getHandle());
        })
        .then([](Result<HandleEntry> entry) -> Result<Ref<KernelObject>> {
          if (!entry.ok()) return std::move(entry).error();
          return std::move(entry->object);
        });
  });
}

}  // namespace shoal::kernel::remote
