#include "clusterd/daemon/data_plane.h"

#include <spdlog/spdlog.h>

#include "kernel/base/thread_annotations.h"
#include "kernel/remote/names.h"
#include "kernel/remote/opened.h"
#include "kernel/remote/outcome.h"

namespace shoal::clusterd {

using kernel::HandleEntry;
using kernel::remote::Connection;
using kernel::remote::Link;
using kernel::remote::PeerStream;

// The bytes of the one-connection-per-pair exchange (data_plane.h), sent
// after the transport's handshake and before Cap'n Proto starts.
enum class DataPlane::Hello : uint8_t {
  kHello = 'H',    // Dialler: "I would like this connection".
  kAccept = 'A',   // Acceptor: use it.
  kDefer = 'D',    // Acceptor: my own dial to you wins; drop this one.
  kAlive = 'L',    // Acceptor: I still hold a live connection with you.
  kReplace = 'R',  // Dialler, after kAlive: I have none; replace yours.
  kKeep = 'K',     // Dialler, after kAlive: I have it too; drop this one.
};

struct DataPlane::Peer {
  std::unique_ptr<Connection> connection;  // The one in use, or null.
  uint64_t generation = 0;                 // Counts connections installed.
  bool dialling = false;
  // Node() calls waiting for a connection.
  std::vector<kj::Own<kj::PromiseFulfiller<Result<PeerNode>>>> waiters;
};

namespace {

class LogErrors final : public kj::TaskSet::ErrorHandler {
 public:
  void taskFailed(kj::Exception&& e) override {
    if (e.getType() == kj::Exception::Type::DISCONNECTED) return;  // Links report those.
    spdlog::warn("data plane: {}", e.getDescription().cStr());
  }
};

kj::Duration Millis(std::chrono::milliseconds ms) { return ms.count() * kj::MILLISECONDS; }

kj::Promise<void> Send(kj::AsyncIoStream& stream, uint8_t byte) {
  auto buffer = kj::heapArray<kj::byte>(1);
  buffer[0] = byte;
  auto written = stream.write(buffer.begin(), 1);
  return written.attach(kj::mv(buffer));
}

kj::Promise<uint8_t> Receive(kj::AsyncIoStream& stream) {
  auto buffer = kj::heapArray<kj::byte>(1);
  auto read = stream.read(buffer.begin(), 1, 1);
  return read.then([buffer = kj::mv(buffer)](size_t) { return uint8_t(buffer[0]); });
}

}  // namespace

DataPlane::DataPlane(DataPlaneOptions options) : options_(std::move(options)) {}

Result<std::unique_ptr<DataPlane>> DataPlane::Start(DataPlaneOptions options) {
  std::unique_ptr<DataPlane> plane(new DataPlane(std::move(options)));
  if (const std::optional<kernel::remote::TlsIdentity>& tls = plane->options_.tls) {
    // Page streams (migrate/page_stream.h) use the same certificates from
    // threads of their own.
    plane->page_tls_ =
        TRY(kernel::remote::TlsContext::Create(tls->certificate, tls->private_key, tls->ca));
  }
  plane->loop_ = kernel::remote::Loop::Start("data");
  DataPlane* p = plane.get();
  Result<std::string> bound =
      p->loop_->RunAsync<Result<std::string>>([p]() -> kj::Promise<Result<std::string>> {
        p->errors_ = std::make_unique<LogErrors>();
        p->tasks_ = std::make_unique<kj::TaskSet>(*p->errors_);
        kernel::remote::TransportOptions transport;
        transport.self = p->options_.self;
        transport.tls = p->options_.tls;
        transport.handshake_timeout = p->options_.connect_timeout;
        auto created = kernel::remote::Transport::Create(*p->loop_, std::move(transport));
        if (!created.ok()) return Result<std::string>(created.error());
        p->transport_ = std::move(created).value();
        return p->transport_
            ->Listen(
                p->options_.listen,
                [p](PeerStream stream) { p->tasks_->add(p->Answer(kj::mv(stream))); },
                [](const Error& why) { spdlog::warn("data plane: {}", why.message); })
            .then([p](Result<kj::Own<kernel::remote::Transport::Listener>> listener)
                      -> Result<std::string> {
              if (!listener.ok()) return std::move(listener).error();
              p->listener_ = std::move(listener).value();
              // Here, before any connection can be installed: Install
              // reads it on this thread.
              p->address_ = p->listener_->address();
              return p->address_;
            });
      });
  if (!bound.ok()) return std::move(bound).error();  // The destructor stops the loop.
  return plane;
}

DataPlane::~DataPlane() {
  if (loop_ == nullptr) return;
  Close();
  loop_->RunVoid([this] {
    tasks_.reset();
    transport_.reset();
  });
  loop_->Stop();
}

void DataPlane::Close() {
  loop_->RunVoid([this] {
    if (closed_) return;
    closed_ = true;
    listener_ = nullptr;
    std::map<std::string, std::unique_ptr<Peer>> peers;
    peers.swap(peers_);
    for (auto& [name, peer] : peers) {
      for (auto& waiter : peer->waiters) {
        waiter->fulfill(MakeError(Status::kPeerGone, "this node's data plane has stopped"));
      }
      peer->waiters.clear();
      peer->connection.reset();  // Its link goes: calls in flight fail.
    }
  });
}

size_t DataPlane::connections() {
  return loop_->Run<size_t>([this] {
    size_t live = 0;
    for (const auto& [name, peer] : peers_) live += Live(*peer) ? 1 : 0;
    return live;
  });
}

bool DataPlane::Live(const Peer& peer) const {
  return peer.connection != nullptr && !peer.connection->link()->gone();
}

PeerNode DataPlane::NodeOf(const Peer& peer) const {
  return PeerNode{peer.connection->PeerBootstrap<proto::rpc::Node>(), peer.connection->link()};
}

void DataPlane::Drop(Peer& peer) {
  if (peer.connection == nullptr) return;
  // Deleted from the loop's queue, never inside the connection's own
  // callbacks; its link goes at once.
  peer.connection->link()->MarkGone("the connection was replaced or dropped");
  Connection* old = peer.connection.release();
  loop_->Post([old] { delete old; });
}

kj::Promise<Result<PeerNode>> DataPlane::Node(const std::string& name) {
  using R = Result<PeerNode>;
  if (closed_) return R(MakeError(Status::kPeerGone, "this node's data plane has stopped"));
  if (name == options_.self) {
    return R(MakeError(Status::kInvalidArgs, "node " + name + " is this node"));
  }
  std::unique_ptr<Peer>& slot = peers_[name];
  if (slot == nullptr) slot = std::make_unique<Peer>();
  Peer& peer = *slot;
  if (Live(peer)) return R(NodeOf(peer));
  auto waiting = kj::newPromiseAndFulfiller<R>();
  peer.waiters.push_back(kj::mv(waiting.fulfiller));
  if (!peer.dialling) StartDial(name);
  // A dial ends within the connect timeout; a deferred one waits for the
  // peer's own connection, bounded the same way.
  return loop_->timer()
      .timeoutAfter(Millis(options_.connect_timeout) * 2, kj::mv(waiting.promise))
      .catch_([name](kj::Exception&& e) -> R {
        return MakeError(Status::kPeerGone, "no connection with node " + name +
                                                " in time: " + e.getDescription().cStr());
      });
}

void DataPlane::StartDial(const std::string& name) {
  Peer& peer = *peers_[name];
  Result<std::string> address = options_.resolve(name);
  if (!address.ok()) {
    DialEnded(name, address.error());
    return;
  }
  peer.dialling = true;
  spdlog::debug("data plane: dialling node {} at {}", name, *address);
  tasks_->add(transport_->Dial(*address, name)
                  .then([this, name](Result<PeerStream> stream) -> kj::Promise<void> {
                    if (!stream.ok()) {
                      DialEnded(name, stream.error());
                      return kj::READY_NOW;
                    }
                    return Propose(name, std::move(stream).value());
                  }));
}

kj::Promise<void> DataPlane::Propose(const std::string& name, PeerStream peer_stream) {
  auto stream = kj::mv(peer_stream.stream);
  kj::AsyncIoStream& s = *stream;
  auto exchange = Send(s, uint8_t(Hello::kHello))
                      .then([&s] { return Receive(s); })
                      .then([this, name, &s](uint8_t answer) -> kj::Promise<std::optional<Hello>> {
                        switch (Hello(answer)) {
                          case Hello::kAccept:
                            return std::optional<Hello>(Hello::kAccept);
                          case Hello::kDefer:
                            return std::optional<Hello>(Hello::kDefer);
                          case Hello::kAlive: {
                            auto it = peers_.find(name);
                            bool have = it != peers_.end() && Live(*it->second);
                            Hello reply = have ? Hello::kKeep : Hello::kReplace;
                            return Send(s, uint8_t(reply)).then([reply] {
                              return std::optional<Hello>(reply);
                            });
                          }
                          default:
                            return std::optional<Hello>();
                        }
                      });
  return loop_->timer()
      .timeoutAfter(Millis(options_.connect_timeout), kj::mv(exchange))
      .then(
          [this, name, stream = kj::mv(stream)](std::optional<Hello> outcome) mutable {
            if (closed_) return;
            if (!outcome) {
              DialEnded(name,
                        MakeError(Status::kAccessDenied, "node " + name +
                                                             " answered the data plane's hello "
                                                             "with something unknown"));
            } else if (*outcome == Hello::kAccept || *outcome == Hello::kReplace) {
              Install(name, kj::mv(stream), Connection::Side::kClient);
              DialEnded(name, std::nullopt);
            } else {
              // kDefer, kKeep: the other connection stands.
              spdlog::debug("data plane: node {} {}; the other connection stands", name,
                            *outcome == Hello::kDefer ? "deferred our dial"
                                                      : "already shares a connection with us");
              DialEnded(name, std::nullopt);
            }
          },
          [this, name](kj::Exception&& e) {
            if (closed_) return;
            DialEnded(name, MakeError(Status::kPeerGone, "node " + name +
                                                             " dropped the new data connection: " +
                                                             e.getDescription().cStr()));
          });
}

kj::Promise<void> DataPlane::Answer(PeerStream peer_stream) {
  std::string name = peer_stream.peer;
  auto stream = kj::mv(peer_stream.stream);
  kj::AsyncIoStream& s = *stream;
  if (name == options_.self) {
    spdlog::warn("data plane: refused a connection from a node calling itself {}, as this one",
                 name);
    return kj::READY_NOW;
  }
  auto exchange = Receive(s).then([this, name, &s](uint8_t hello) -> kj::Promise<bool> {
    if (Hello(hello) != Hello::kHello || closed_) return false;
    std::unique_ptr<Peer>& slot = peers_[name];
    if (slot == nullptr) slot = std::make_unique<Peer>();
    if (Live(*slot)) {
      return Send(s, uint8_t(Hello::kAlive)).then([&s] { return Receive(s); }).then([](uint8_t r) {
        return Hello(r) == Hello::kReplace;
      });
    }
    if (slot->dialling && options_.self < name) {
      return Send(s, uint8_t(Hello::kDefer)).then([] { return false; });
    }
    return Send(s, uint8_t(Hello::kAccept)).then([] { return true; });
  });
  return loop_->timer()
      .timeoutAfter(Millis(options_.connect_timeout), kj::mv(exchange))
      .then(
          [this, name, stream = kj::mv(stream)](bool use) mutable {
            if (use && !closed_) Install(name, kj::mv(stream), Connection::Side::kServer);
          },
          [name](kj::Exception&& e) {
            spdlog::debug("data plane: a connection from node {} ended in its hello: {}", name,
                          e.getDescription().cStr());
          });
}

void DataPlane::Install(const std::string& name, kj::Own<kj::AsyncIoStream> stream,
                        Connection::Side side) {
  std::unique_ptr<Peer>& slot = peers_[name];
  if (slot == nullptr) slot = std::make_unique<Peer>();
  Peer& peer = *slot;
  Drop(peer);
  NodeServices services = options_.services;
  services.page_host = kernel::remote::HostOf(address_);
  services.page_tls = page_tls_;
  peer.connection = std::make_unique<Connection>(
      loop_, kj::mv(stream), side,
      [services](const std::shared_ptr<Link>& link) {
        return capnp::Capability::Client(ServeNode(link, services));
      },
      name);
  uint64_t generation = ++peer.generation;
  spdlog::info("data plane: connected with node {} ({})", name,
               side == Connection::Side::kClient ? "dialled" : "accepted");
  tasks_->add(peer.connection->OnDisconnect().then([this, name, generation] {
    auto it = peers_.find(name);
    if (it == peers_.end() || it->second->generation != generation) return;
    spdlog::info("data plane: the connection with node {} closed", name);
    Drop(*it->second);
  }));
  std::vector<kj::Own<kj::PromiseFulfiller<Result<PeerNode>>>> waiters;
  waiters.swap(peer.waiters);
  for (auto& waiter : waiters) waiter->fulfill(NodeOf(peer));
}

void DataPlane::DialEnded(const std::string& name, const std::optional<Error>& error) {
  auto it = peers_.find(name);
  if (it == peers_.end()) return;
  Peer& peer = *it->second;
  peer.dialling = false;
  if (Live(peer)) {
    std::vector<kj::Own<kj::PromiseFulfiller<Result<PeerNode>>>> waiters;
    waiters.swap(peer.waiters);
    for (auto& waiter : waiters) waiter->fulfill(NodeOf(peer));
    return;
  }
  if (!error) return;  // Deferred: the peer's connection is on its way.
  spdlog::debug("data plane: {}", error->message);
  std::vector<kj::Own<kj::PromiseFulfiller<Result<PeerNode>>>> waiters;
  waiters.swap(peer.waiters);
  for (auto& waiter : waiters) waiter->fulfill(Result<PeerNode>(*error));
}

void DataPlane::Disconnect(const std::string& name, std::string why) {
  (void)loop_->Post([this, name, why = std::move(why)] {
    auto it = peers_.find(name);
    if (it == peers_.end() || it->second->connection == nullptr) return;
    spdlog::info("data plane: dropping the connection with node {} ({})", name, why);
    it->second->connection->link()->MarkGone(why);
    Drop(*it->second);
  });
}

namespace {

// Calls `done` exactly once: with the answer, or with kPeerGone when the
// work that would answer is dropped (the data plane stopped first).
class OnceDone {
 public:
  explicit OnceDone(DataPlane::OpenDone done) : done_(std::move(done)) {}
  ~OnceDone() {
    if (done_) done_(MakeError(Status::kPeerGone, "this node's data plane has stopped"));
  }
  void operator()(Result<HandleEntry> entry) {
    DataPlane::OpenDone done = std::move(done_);
    done_ = nullptr;
    done(std::move(entry));
  }

 private:
  DataPlane::OpenDone done_;
};

}  // namespace

namespace {

// The handle a Node call answered (`sent`: a response with an outcome and a
// handle), imported over `link` when the call succeeded with a `type`.
// Never imports another type than asked for (a channel would start pulling
// its messages here).
template <typename Response>
kj::Promise<Result<HandleEntry>> ImportAnswer(kj::Promise<Response> sent,
                                              std::shared_ptr<Link> link, kernel::ObjectType type) {
  return sent.then(
      [link, type](Response&& response) -> kj::Promise<Result<HandleEntry>> {
        auto outcome = response.getOutcome();
        auto handle = response.getHandle();
        if (outcome.getStatus() == uint8_t(Status::kOk) && handle.getType() != uint8_t(type)) {
          return Result<HandleEntry>(MakeError(
              Status::kMalformed, "the answer is not a " + std::string(ObjectTypeName(type))));
        }
        return kernel::remote::ImportOpened(link, outcome, handle);
      },
      [link](kj::Exception&& e) -> Result<HandleEntry> {
        return kernel::remote::FromException(e, link->peer());
      });
}

}  // namespace

void DataPlane::OpenDirectory(std::string peer, std::string path, kernel::Rights rights,
                              OpenDone done) {
  Fetch(
      std::move(peer), "open " + path,
      [path, rights](PeerNode& node) {
        auto request = node.node.openDirectoryRequest();
        request.setPath(path);
        request.setRights(uint32_t(rights));
        return ImportAnswer(request.send(), node.link, kernel::ObjectType::kDirectory);
      },
      std::move(done));
}

void DataPlane::OpenDevice(std::string peer, std::string path, kernel::Rights rights, ImportVia via,
                           OpenDone done) {
  Fetch(
      std::move(peer), "open " + path,
      [path, rights, via = std::move(via)](PeerNode& node) -> kj::Promise<Result<HandleEntry>> {
        auto request = node.node.openDeviceRequest();
        request.setPath(path);
        request.setRights(uint32_t(rights));
        std::shared_ptr<Link> link = via ? via(node.link) : node.link;
        return request.send().then(
            [link](auto&& response) -> kj::Promise<Result<HandleEntry>> {
              // A channel or port end would start pulling its messages here
              // on import: no device is one.
              auto type = kernel::ObjectType(response.getHandle().getType());
              if (response.getOutcome().getStatus() == uint8_t(Status::kOk) &&
                  (type == kernel::ObjectType::kChannel || type == kernel::ObjectType::kPort)) {
                return Result<HandleEntry>(
                    MakeError(Status::kMalformed, "the answer is a " +
                                                      std::string(kernel::ObjectTypeName(type)) +
                                                      ", not a device"));
              }
              return kernel::remote::ImportOpened(link, response.getOutcome(),
                                                  response.getHandle());
            },
            [link](kj::Exception&& e) -> Result<HandleEntry> {
              return kernel::remote::FromException(e, link->peer());
            });
      },
      std::move(done));
}

void DataPlane::OpenSpawner(std::string peer, OpenDone done) {
  Fetch(
      std::move(peer), "serve its spawner",
      [](PeerNode& node) {
        return ImportAnswer(node.node.spawnerRequest().send(), node.link,
                            kernel::ObjectType::kSpawner);
      },
      std::move(done));
}

void DataPlane::Fetch(std::string peer, std::string what, Ask ask, OpenDone done) {
  auto shared = std::make_shared<OnceDone>(std::move(done));
  bool posted = loop_->Post([this, peer, what, ask = std::move(ask), shared] {
    auto fetched = Node(peer)
                       .then([ask](Result<PeerNode> node) -> kj::Promise<Result<HandleEntry>> {
                         if (!node.ok()) return Result<HandleEntry>(std::move(node).error());
                         return ask(*node);
                       })
                       .then([peer, what](Result<HandleEntry> entry) -> Result<HandleEntry> {
                         // A link failure says so itself ("node X is gone: ...").
                         if (entry.ok() || entry.error().status == Status::kPeerGone) return entry;
                         return MakeError(entry.error().status, "node " + peer + " cannot " + what +
                                                                    ": " + entry.error().message);
                       });
    tasks_->add(fetched.then([shared](Result<HandleEntry> entry) { (*shared)(std::move(entry)); }));
  });
  if (!posted) (*shared)(MakeError(Status::kPeerGone, "this node's data plane has stopped"));
}

Result<HandleEntry> AwaitOpen(const std::function<void(DataPlane::OpenDone)>& start,
                              DataPlane::Deadline deadline, const std::string& late) {
  struct Answer {
    Mutex mu;
    CondVar cv;
    std::optional<Result<HandleEntry>> entry GUARDED_BY(mu);
  };
  auto answer = std::make_shared<Answer>();
  start([answer](Result<HandleEntry> entry) {
    MutexLock lock(&answer->mu);
    answer->entry.emplace(std::move(entry));
    answer->cv.SignalAll();
  });
  MutexLock lock(&answer->mu);
  while (!answer->entry.has_value()) {
    if (!answer->cv.WaitUntil(answer->mu, deadline)) break;
  }
  if (!answer->entry.has_value()) return MakeError(Status::kPeerGone, late);
  return std::move(*answer->entry);
}

Result<HandleEntry> DataPlane::OpenDirectory(const std::string& peer, const std::string& path,
                                             kernel::Rights rights, Deadline deadline) {
  return AwaitOpen([&](OpenDone done) { OpenDirectory(peer, path, rights, std::move(done)); },
                   deadline, "node " + peer + " did not answer in time to open " + path);
}

}  // namespace shoal::clusterd
