#include "kernel/remote/transport.h"

#include <kj/debug.h>

#include <cstring>

#include "kernel/remote/names.h"
#include "kernel/remote/tls_stream.h"

namespace shoal::kernel::remote {
namespace {

// The hello of the insecure mode: magic, name length, name.
constexpr kj::byte kHelloMagic[4] = {'s', 'h', 'd', '1'};
constexpr size_t kMaxName = 255;

std::string Describe(const kj::Exception& e) { return e.getDescription().cStr(); }

kj::Duration Millis(std::chrono::milliseconds ms) { return ms.count() * kj::MILLISECONDS; }

kj::Promise<void> WriteHello(kj::AsyncIoStream& stream, const std::string& name) {
  auto bytes = kj::heapArray<kj::byte>(sizeof(kHelloMagic) + 1 + name.size());
  memcpy(bytes.begin(), kHelloMagic, sizeof(kHelloMagic));
  bytes[sizeof(kHelloMagic)] = kj::byte(name.size());
  memcpy(bytes.begin() + sizeof(kHelloMagic) + 1, name.data(), name.size());
  auto written = stream.write(bytes.begin(), bytes.size());
  return written.attach(kj::mv(bytes));
}

kj::Promise<Result<std::string>> ReadHello(kj::AsyncIoStream& stream) {
  auto header = kj::heapArray<kj::byte>(sizeof(kHelloMagic) + 1);
  auto read = stream.read(header.begin(), header.size(), header.size());
  return read.then(
      [&stream, header = kj::mv(header)](size_t) mutable -> kj::Promise<Result<std::string>> {
        if (memcmp(header.begin(), kHelloMagic, sizeof(kHelloMagic)) != 0) {
          return Result<std::string>(
              MakeError(Status::kAccessDenied,
                        "the peer does not speak the plain (insecure-dev) data plane; is it "
                        "using TLS?"));
        }
        size_t length = header[sizeof(kHelloMagic)];
        auto name = kj::heapArray<kj::byte>(length);
        auto got = stream.read(name.begin(), length, length);
        return got.then([name = kj::mv(name)](size_t) {
          return Result<std::string>(std::string(name.begin(), name.end()));
        });
      });
}

// What a failed handshake means: the peer refused or failed the TLS checks
// (kAccessDenied), or the connection itself failed (kPeerGone).
Error HandshakeError(const kj::Exception& e, const std::string& what) {
  if (e.getType() == kj::Exception::Type::OVERLOADED) {
    return MakeError(Status::kPeerGone, what + ": timed out");
  }
  Status status =
      e.getType() == kj::Exception::Type::FAILED ? Status::kAccessDenied : Status::kPeerGone;
  return MakeError(status, what + ": " + Describe(e));
}

}  // namespace

struct Transport::Tls {
  std::unique_ptr<TlsContext> context;
};

class Transport::ListenerImpl final : public Transport::Listener,
                                      private kj::TaskSet::ErrorHandler {
 public:
  ListenerImpl(Transport& transport, kj::Own<kj::ConnectionReceiver> receiver, std::string address,
               OnPeer on_peer, OnRefused on_refused)
      : transport_(transport),
        receiver_(kj::mv(receiver)),
        address_(std::move(address)),
        on_peer_(std::move(on_peer)),
        on_refused_(std::move(on_refused)),
        handshakes_(*this),
        accepting_(AcceptLoop()) {}

  const std::string& address() const override { return address_; }

 private:
  kj::Promise<void> AcceptLoop() {
    return receiver_->acceptAuthenticated().then(
        [this](kj::AuthenticatedStream accepted) {
          handshakes_.add(
              transport_.Handshake(kj::mv(accepted)).then([this](Result<PeerStream> peer) {
                if (peer.ok()) {
                  on_peer_(std::move(peer).value());
                } else {
                  on_refused_(peer.error());
                }
              }));
          return AcceptLoop();
        },
        [this](kj::Exception&& e) {
          // Out of descriptors, say: report it and try again shortly.
          on_refused_(MakeError(Status::kIoError, "accepting on " + address_ + ": " + Describe(e)));
          return transport_.loop_.timer().afterDelay(100 * kj::MILLISECONDS).then([this] {
            return AcceptLoop();
          });
        });
  }
  void taskFailed(kj::Exception&& e) override {
    on_refused_(MakeError(Status::kInternal, Describe(e)));
  }

  Transport& transport_;
  kj::Own<kj::ConnectionReceiver> receiver_;
  const std::string address_;
  const OnPeer on_peer_;
  const OnRefused on_refused_;
  kj::TaskSet handshakes_;
  kj::Promise<void> accepting_;  // Last: cancelled before what it uses goes.
};

Transport::Transport(Loop& loop, TransportOptions options)
    : loop_(loop), options_(std::move(options)) {}

Transport::~Transport() = default;

Result<std::unique_ptr<Transport>> Transport::Create(Loop& loop, TransportOptions options) {
  if (!IsNodeName(options.self) || options.self.size() > kMaxName) {
    return MakeError(Status::kInvalidArgs,
                     "'" + options.self + "' cannot name a node on the data plane");
  }
  std::unique_ptr<Transport> transport(new Transport(loop, std::move(options)));
  if (!transport->options_.tls) return transport;
  const TlsIdentity& identity = *transport->options_.tls;
  Result<std::unique_ptr<TlsContext>> context =
      TlsContext::Create(identity.certificate, identity.private_key, identity.ca);
  if (!context.ok()) {
    return MakeError(Status::kInvalidArgs, "cannot load the node's TLS certificate, key or CA: " +
                                               context.error().message);
  }
  transport->tls_ = std::make_unique<Tls>(Tls{std::move(context).value()});
  return transport;
}

kj::Promise<Result<kj::Own<Transport::Listener>>> Transport::Listen(std::string address,
                                                                    OnPeer on_peer,
                                                                    OnRefused on_refused) {
  using R = Result<kj::Own<Listener>>;
  if (!secure() && !IsLoopbackAddress(address)) {
    return R(MakeError(Status::kInvalidArgs,
                       "the data plane without TLS listens only on loopback, "
                       "and " +
                           address + " is not"));
  }
  return loop_.io().getNetwork().parseAddress(address).then(
      [this, address, on_peer = std::move(on_peer),
       on_refused = std::move(on_refused)](kj::Own<kj::NetworkAddress> parsed) mutable -> R {
        kj::Own<kj::ConnectionReceiver> receiver = parsed->listen();
        std::string bound =
            address.substr(0, address.rfind(':') + 1) + std::to_string(receiver->getPort());
        return kj::Own<Listener>(kj::heap<ListenerImpl>(*this, kj::mv(receiver), bound,
                                                        std::move(on_peer), std::move(on_refused)));
      },
      [address](kj::Exception&& e) -> R {
        return MakeError(Status::kIoError,
                         "cannot listen on data address " + address + ": " + Describe(e));
      });
}

kj::Promise<Result<PeerStream>> Transport::Handshake(kj::AuthenticatedStream accepted) {
  using R = Result<PeerStream>;
  std::string from = accepted.peerIdentity->toString().cStr();
  kj::Promise<R> done = nullptr;
  if (!tls_) {
    kj::Own<kj::AsyncIoStream> stream = kj::mv(accepted.stream);
    kj::AsyncIoStream& s = *stream;
    done = ReadHello(s)
               .then([this, &s](Result<std::string> name) -> kj::Promise<Result<std::string>> {
                 if (!name.ok()) return kj::mv(name);
                 if (!IsNodeName(*name)) {
                   return Result<std::string>(
                       MakeError(Status::kAccessDenied,
                                 "the peer announced '" + *name + "', which cannot name a node"));
                 }
                 return WriteHello(s, options_.self).then([name = *name] {
                   return Result<std::string>(name);
                 });
               })
               .then([stream = kj::mv(stream)](Result<std::string> name) mutable -> R {
                 if (!name.ok()) return std::move(name).error();
                 return PeerStream{kj::mv(stream), std::move(name).value()};
               });
  } else {
    done =
        TlsStream::Accept(*tls_->context, kj::mv(accepted.stream))
            .then([](kj::Own<TlsStream> s) -> R {
              std::optional<std::string> common_name = s->PeerCommonName();
              if (!common_name) {
                return MakeError(Status::kAccessDenied, "the client presented no certificate");
              }
              std::string name = std::move(*common_name);
              if (!IsNodeName(name)) {
                return MakeError(Status::kAccessDenied, "the client's certificate is for '" + name +
                                                            "', which cannot name a node");
              }
              if (!s->PeerProvesHostname(name)) {
                return MakeError(
                    Status::kAccessDenied,
                    "the client's certificate has the common name '" + name +
                        "' but does not prove that name (it is not among its DNS names)");
              }
              return PeerStream{kj::mv(s), std::move(name)};
            });
  }
  return loop_.timer()
      .timeoutAfter(Millis(options_.handshake_timeout), kj::mv(done))
      .catch_([from](kj::Exception&& e) -> R {
        return HandshakeError(e, "refused a data connection from " + from);
      })
      .then([from](R peer) -> R {
        if (peer.ok()) return peer;
        Error error = std::move(peer).error();
        if (error.message.rfind("refused", 0) != 0) {
          error.message = "refused a data connection from " + from + ": " + error.message;
        }
        return error;
      });
}

kj::Promise<Result<PeerStream>> Transport::Dial(std::string address, std::string expected) {
  using R = Result<PeerStream>;
  if (!IsNodeName(expected) || expected.size() > kMaxName) {
    return R(MakeError(Status::kInvalidArgs, "'" + expected + "' cannot name a node to dial"));
  }
  if (!secure() && !IsLoopbackAddress(address)) {
    return R(
        MakeError(Status::kInvalidArgs, "the data plane without TLS dials only loopback, and " +
                                            address + " (node " + expected + ") is not"));
  }
  std::string who = "node " + expected + " at " + address;
  kj::Promise<R> connected =
      loop_.io()
          .getNetwork()
          .parseAddress(address)
          .then([](kj::Own<kj::NetworkAddress> parsed) { return parsed->connect(); })
          .then(
              [this, address, expected](kj::Own<kj::AsyncIoStream> stream) -> kj::Promise<R> {
                return ProveServer(kj::mv(stream), address, expected);
              },
              [who](kj::Exception&& e) -> kj::Promise<R> {
                return R(MakeError(Status::kPeerGone, "cannot reach " + who + ": " + Describe(e)));
              });
  return loop_.timer()
      .timeoutAfter(Millis(options_.handshake_timeout), kj::mv(connected))
      .catch_(
          [who](kj::Exception&& e) -> R { return HandshakeError(e, "cannot connect to " + who); });
}

kj::Promise<std::optional<std::string>> Transport::NameOnCertificate(const std::string& address) {
  // Every certificate gen-certs makes also carries "localhost", which the
  // hostname check accepts, so a second handshake against it tells a
  // certificate for another node (it succeeds) from one the cluster CA did
  // not sign (it fails again). It is only ever used for this message.
  return loop_.io()
      .getNetwork()
      .parseAddress(address)
      .then([](kj::Own<kj::NetworkAddress> parsed) { return parsed->connect(); })
      .then([this](kj::Own<kj::AsyncIoStream> stream) {
        return TlsStream::Connect(*tls_->context, kj::mv(stream), "localhost");
      })
      .then(
          [](kj::Own<TlsStream> secured) -> std::optional<std::string> {
            return secured->PeerCommonName();
          },
          [](kj::Exception&&) -> std::optional<std::string> { return std::nullopt; });
}

kj::Promise<Result<PeerStream>> Transport::ProveServer(kj::Own<kj::AsyncIoStream> stream,
                                                       const std::string& address,
                                                       const std::string& expected) {
  using R = Result<PeerStream>;
  std::string who = "node " + expected + " at " + address;
  if (tls_) {
    return TlsStream::Connect(*tls_->context, kj::mv(stream), expected)
        .then(
            [expected](kj::Own<TlsStream> secured) -> kj::Promise<R> {
              return R(PeerStream{kj::mv(secured), expected});
            },
            [this, address, who, expected](kj::Exception&& e) -> kj::Promise<R> {
              Error error = HandshakeError(e, who + " did not prove it is '" + expected +
                                                  "' with a certificate of the cluster CA");
              if (error.status != Status::kAccessDenied) return R(error);
              return NameOnCertificate(address).then(
                  [error, who, expected](std::optional<std::string> name) -> R {
                    if (!name) return error;
                    return MakeError(Status::kAccessDenied,
                                     who + " presented a certificate of the cluster CA for '" +
                                         *name + "', not for '" + expected + "'");
                  });
            });
  }
  kj::AsyncIoStream& s = *stream;
  return WriteHello(s, options_.self)
      .then([&s] { return ReadHello(s); })
      .then([who, expected, stream = kj::mv(stream)](Result<std::string> name) mutable -> R {
        if (!name.ok()) return MakeError(name.error().status, who + ": " + name.error().message);
        if (*name != expected) {
          return MakeError(Status::kAccessDenied,
                           who + " announced itself as '" + *name + "', not '" + expected + "'");
        }
        return PeerStream{kj::mv(stream), expected};
      });
}

}  // namespace shoal::kernel::remote
