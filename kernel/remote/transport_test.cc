// The data plane's transport between two loops on 127.0.0.1, with real
// certificates from deploy/gen-certs: a good pair proves both names and
// carries a channel; a certificate for another name, a client without a
// certificate, an untrusted CA and names that prove nothing are refused
// before any call; the insecure mode stays on loopback and checks the names
// it is told.
#include "kernel/remote/transport.h"

#include <gtest/gtest.h>
#include <kj/compat/tls.h>  // A client of another TLS implementation.

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "kernel/base/thread_annotations.h"
#include "kernel/object/channel.h"
#include "kernel/object/object_test_support.h"
#include "kernel/object/provider.h"
#include "kernel/remote/connection.h"
#include "kernel/remote/names.h"
#include "kernel/remote/opened.h"
#include "kernel/remote/provider_server.h"
#include "kernel/remote/test_certificates.h"

namespace shoal::kernel::remote {
namespace {

using std::chrono::milliseconds;

// One node's side: a loop, its transport, and what it accepted or dialled.
class Side {
 public:
  explicit Side(const std::string& name) : loop_(Loop::Start(name)) {}
  ~Side() {
    loop_->RunVoid([this] {
      connection_.reset();
      listener_ = nullptr;
      transport_.reset();
    });
    loop_->Stop();
  }

  VoidResult Init(TransportOptions options) {
    return loop_->Run<VoidResult>([&]() -> VoidResult {
      transport_ = TRY(Transport::Create(*loop_, std::move(options)));
      return Ok();
    });
  }

  // Listens on 127.0.0.1 (or `address`); each accepted peer gets a
  // connection that offers `offer` (when set) as its bootstrap.
  Result<std::string> Listen(std::string address = "127.0.0.1:0",
                             Ref<KernelObject> offer = nullptr) {
    return loop_->RunAsync<Result<std::string>>([&] {
      return transport_
          ->Listen(
              address,
              [this, offer](PeerStream peer) {
                Connection::Bootstrap bootstrap = [offer](const std::shared_ptr<Link>& link) {
                  if (offer == nullptr) {
                    return capnp::Capability::Client(KJ_EXCEPTION(FAILED, "nothing offered"));
                  }
                  auto provider =
                      ObjectProvider::Create(offer, DefaultRights(ObjectType::kChannel));
                  return capnp::Capability::Client(ExportProvider(link, provider));
                };
                connection_ = std::make_unique<Connection>(
                    loop_, kj::mv(peer.stream), Connection::Side::kServer, bootstrap, peer.peer);
                Record(peer.peer, "");
              },
              [this](const Error& why) { Record("", why.message); })
          .then([this](Result<kj::Own<Transport::Listener>> listener) -> Result<std::string> {
            if (!listener.ok()) return std::move(listener).error();
            listener_ = std::move(listener).value();
            return listener_->address();
          });
    });
  }

  // Dials `address` expecting `expected`; returns the proven peer name.
  Result<std::string> Dial(const std::string& address, const std::string& expected) {
    return loop_->RunAsync<Result<std::string>>([&] {
      return transport_->Dial(address, expected)
          .then([this](Result<PeerStream> peer) -> Result<std::string> {
            if (!peer.ok()) return std::move(peer).error();
            std::string name = peer->peer;
            connection_ = std::make_unique<Connection>(
                loop_, kj::mv(peer->stream), Connection::Side::kClient,
                [](const std::shared_ptr<Link>&) {
                  return capnp::Capability::Client(KJ_EXCEPTION(FAILED, "nothing offered"));
                },
                name);
            return name;
          });
    });
  }

  // Opens what the peer offers (a channel) as a proxy.
  Result<Ref<KernelObject>> OpenOffered() {
    return loop_->RunAsync<Result<Ref<KernelObject>>>(
        [&]() -> kj::Promise<Result<Ref<KernelObject>>> {
          std::shared_ptr<Link> link = connection_->link();
          auto request = connection_->PeerBootstrap<proto::rpc::Provider>().openRequest();
          request.setPath("");
          request.setRights(uint32_t(DefaultRights(ObjectType::kChannel)));
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

  // Waits (at most 10 s) for an accepted peer or a refusal.
  std::pair<std::string, std::string> WaitForVerdict() {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    MutexLock lock(&mu_);
    while (accepted_.empty() && refused_.empty()) {
      if (!cv_.WaitUntil(mu_, deadline)) break;
    }
    return {accepted_, refused_};
  }

 private:
  void Record(const std::string& accepted, const std::string& refused) {
    MutexLock lock(&mu_);
    if (!accepted.empty()) accepted_ = accepted;
    if (!refused.empty()) refused_ = refused;
    cv_.SignalAll();
  }

  std::shared_ptr<Loop> loop_;
  // Loop thread.
  std::unique_ptr<Transport> transport_;
  kj::Own<Transport::Listener> listener_;
  std::unique_ptr<Connection> connection_;

  Mutex mu_;
  CondVar cv_;
  std::string accepted_ GUARDED_BY(mu_);
  std::string refused_ GUARDED_BY(mu_);
};

class TransportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto cluster = MintTestCertificates({"node-a", "node-b", "node-c", "localhost"});
    ASSERT_TRUE(cluster.ok()) << cluster.error().message;
    auto other = MintTestCertificates({"node-b"});
    ASSERT_TRUE(other.ok()) << other.error().message;
    certs_ = new std::map<std::string, TlsIdentity>(std::move(cluster).value());
    foreign_ = new std::map<std::string, TlsIdentity>(std::move(other).value());
  }
  static void TearDownTestSuite() {
    delete certs_;
    delete foreign_;
  }

  static TransportOptions Tls(const std::string& self, const TlsIdentity& identity) {
    TransportOptions o;
    o.self = self;
    o.tls = identity;
    o.handshake_timeout = milliseconds(3000);
    return o;
  }
  static TransportOptions Tls(const std::string& name) { return Tls(name, certs_->at(name)); }
  static TransportOptions Plain(const std::string& name) {
    TransportOptions o;
    o.self = name;
    return o;
  }

  static std::map<std::string, TlsIdentity>* certs_;
  static std::map<std::string, TlsIdentity>* foreign_;
};

std::map<std::string, TlsIdentity>* TransportTest::certs_ = nullptr;
std::map<std::string, TlsIdentity>* TransportTest::foreign_ = nullptr;

std::vector<uint8_t> Bytes(std::string_view s) { return {s.begin(), s.end()}; }

TEST_F(TransportTest, GoodPairProvesBothNamesAndCarriesAChannel) {
  auto ends = Channel::Create();
  ASSERT_TRUE(ends.ok());
  Side a("a"), b("b");
  ASSERT_TRUE(a.Init(Tls("node-a")).ok());
  ASSERT_TRUE(b.Init(Tls("node-b")).ok());
  Result<std::string> address = a.Listen("127.0.0.1:0", ends->second);
  ASSERT_TRUE(address.ok()) << address.error().message;
  Result<std::string> peer = b.Dial(*address, "node-a");
  ASSERT_TRUE(peer.ok()) << peer.error().message;
  EXPECT_EQ(*peer, "node-a");
  auto [accepted, refused] = a.WaitForVerdict();
  EXPECT_EQ(accepted, "node-b") << refused;

  Result<Ref<KernelObject>> proxy = b.OpenOffered();
  ASSERT_TRUE(proxy.ok()) << proxy.error().message;
  auto remote = std::static_pointer_cast<ChannelOps>(*proxy);
  ASSERT_TRUE(ends->first->Write(Bytes("over tls"), {}).ok());
  testing::WaitForSignals(*remote, Signals::kReadable);
  auto message = remote->Read(ReadLimits{});
  ASSERT_TRUE(message.ok()) << message.error().message;
  EXPECT_EQ(std::string(message->bytes.begin(), message->bytes.end()), "over tls");
}

TEST_F(TransportTest, ACertificateForAnotherNameIsRefusedByTheDialler) {
  Side a("a"), b("b");
  // The server at the address holds node-c's certificate, not node-a's.
  ASSERT_TRUE(a.Init(Tls("node-c")).ok());
  ASSERT_TRUE(b.Init(Tls("node-b")).ok());
  Result<std::string> address = a.Listen();
  ASSERT_TRUE(address.ok()) << address.error().message;
  Result<std::string> peer = b.Dial(*address, "node-a");
  ASSERT_FALSE(peer.ok());
  EXPECT_EQ(peer.error().status, Status::kAccessDenied) << peer.error().message;
  EXPECT_NE(peer.error().message.find("for 'node-c', not for 'node-a'"), std::string::npos)
      << peer.error().message;
}

TEST_F(TransportTest, AClientWithoutACertificateIsRefused) {
  Side a("a");
  ASSERT_TRUE(a.Init(Tls("node-a")).ok());
  Result<std::string> address = a.Listen();
  ASSERT_TRUE(address.ok()) << address.error().message;
  // A raw kj-tls client that trusts the cluster CA but presents nothing.
  auto loop = Loop::Start("no-cert");
  bool read_failed =
      loop->RunAsync<Result<bool>>([&]() -> kj::Promise<Result<bool>> {
            auto ca = kj::heap<kj::TlsCertificate>(kj::StringPtr(certs_->at("node-a").ca.c_str()));
            kj::TlsContext::Options o;
            o.useSystemTrustStore = false;
            o.trustedCertificates = kj::arrayPtr(ca.get(), 1);
            auto tls = kj::heap<kj::TlsContext>(kj::mv(o));
            auto& context = *tls;
            return loop->io()
                .getNetwork()
                .parseAddress(*address)
                .then([](auto addr) { return addr->connect(); })
                .then([&context](kj::Own<kj::AsyncIoStream> s) {
                  return context.wrapClient(kj::mv(s), "node-a");
                })
                .then([](kj::Own<kj::AsyncIoStream> s) {
                  auto buf = kj::heapArray<kj::byte>(1);
                  auto read = s->read(buf.begin(), 1, 1);
                  return read.attach(kj::mv(s), kj::mv(buf));
                })
                .then([](size_t) { return Result<bool>(false); },
                      [](kj::Exception&&) { return Result<bool>(true); })
                .attach(kj::mv(tls), kj::mv(ca));
          })
          .value();
  loop->Stop();
  EXPECT_TRUE(read_failed);
  auto [accepted, refused] = a.WaitForVerdict();
  EXPECT_EQ(accepted, "");
  EXPECT_NE(refused.find("refused a data connection"), std::string::npos) << refused;
}

TEST_F(TransportTest, AnUntrustedCaIsRefusedBothWays) {
  Side a("a");
  ASSERT_TRUE(a.Init(Tls("node-a")).ok());
  Result<std::string> address = a.Listen();
  ASSERT_TRUE(address.ok()) << address.error().message;
  {
    // A node of another cluster does not trust node-a's certificate.
    Side b("b");
    ASSERT_TRUE(b.Init(Tls("node-b", foreign_->at("node-b"))).ok());
    Result<std::string> peer = b.Dial(*address, "node-a");
    ASSERT_FALSE(peer.ok());
    EXPECT_EQ(peer.error().status, Status::kAccessDenied) << peer.error().message;
    EXPECT_NE(peer.error().message.find("did not prove it is 'node-a' with a certificate of the "
                                        "cluster CA"),
              std::string::npos)
        << peer.error().message;
  }
  {
    // Trusting node-a's CA does not make its own foreign certificate trusted.
    Side b("b");
    TlsIdentity mixed = foreign_->at("node-b");
    mixed.ca = certs_->at("node-a").ca;
    ASSERT_TRUE(b.Init(Tls("node-b", mixed)).ok());
    (void)b.Dial(*address, "node-a");  // TLS 1.3: the client may finish first.
    auto [accepted, refused] = a.WaitForVerdict();
    EXPECT_EQ(accepted, "");
    EXPECT_NE(refused.find("refused a data connection"), std::string::npos) << refused;
  }
}

TEST_F(TransportTest, NamesThatProveNothingAreRefused) {
  Side a("a"), b("b");
  ASSERT_TRUE(a.Init(Tls("node-a")).ok());
  Result<std::string> address = a.Listen();
  ASSERT_TRUE(address.ok());
  ASSERT_TRUE(b.Init(Tls("node-b")).ok());
  for (const char* name : {"localhost", "127.0.0.1", "::1", ""}) {
    Result<std::string> peer = b.Dial(*address, name);
    ASSERT_FALSE(peer.ok()) << name;
    EXPECT_EQ(peer.error().status, Status::kInvalidArgs) << name;
  }
  // A client whose certificate is for "localhost" proves no node.
  Side c("c");
  TransportOptions localhost = Tls("node-c", certs_->at("localhost"));
  ASSERT_TRUE(c.Init(localhost).ok());
  (void)c.Dial(*address, "node-a");
  auto [accepted, refused] = a.WaitForVerdict();
  EXPECT_EQ(accepted, "");
  EXPECT_NE(refused.find("'localhost', which cannot name a node"), std::string::npos) << refused;
  EXPECT_FALSE(IsNodeName("10.0.0.1"));
  EXPECT_TRUE(IsNodeName("node-a"));
}

TEST_F(TransportTest, InsecureModeStaysOnLoopbackAndChecksAnnouncedNames) {
  Side a("a"), b("b");
  ASSERT_TRUE(a.Init(Plain("node-a")).ok());
  ASSERT_TRUE(b.Init(Plain("node-b")).ok());
  Result<std::string> off_loopback = a.Listen("0.0.0.0:0");
  ASSERT_FALSE(off_loopback.ok());
  EXPECT_EQ(off_loopback.error().status, Status::kInvalidArgs);
  Result<std::string> remote = b.Dial("10.0.0.1:7600", "node-a");
  ASSERT_FALSE(remote.ok());
  EXPECT_EQ(remote.error().status, Status::kInvalidArgs);

  Result<std::string> address = a.Listen();
  ASSERT_TRUE(address.ok()) << address.error().message;
  Result<std::string> wrong = b.Dial(*address, "node-z");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().status, Status::kAccessDenied);
  EXPECT_NE(wrong.error().message.find("announced itself as 'node-a'"), std::string::npos)
      << wrong.error().message;
  Result<std::string> peer = b.Dial(*address, "node-a");
  ASSERT_TRUE(peer.ok()) << peer.error().message;
  auto [accepted, refused] = a.WaitForVerdict();
  EXPECT_EQ(accepted, "node-b") << refused;
}

TEST_F(TransportTest, APlainClientIsRefusedByATlsServerWithinTheTimeout) {
  Side a("a"), b("b");
  ASSERT_TRUE(a.Init(Tls("node-a")).ok());
  ASSERT_TRUE(b.Init(Plain("node-b")).ok());
  Result<std::string> address = a.Listen();
  ASSERT_TRUE(address.ok());
  auto start = std::chrono::steady_clock::now();
  Result<std::string> peer = b.Dial(*address, "node-a");
  ASSERT_FALSE(peer.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  auto [accepted, refused] = a.WaitForVerdict();
  EXPECT_EQ(accepted, "");
  EXPECT_FALSE(refused.empty());
}

TEST_F(TransportTest, AnUnreachableNodeIsPeerGone) {
  Side b("b");
  ASSERT_TRUE(b.Init(Tls("node-b")).ok());
  // An address nobody listens on any more.
  auto a = std::make_unique<Side>("a");
  ASSERT_TRUE(a->Init(Tls("node-a")).ok());
  Result<std::string> address = a->Listen();
  ASSERT_TRUE(address.ok());
  a.reset();
  Result<std::string> peer = b.Dial(*address, "node-a");
  ASSERT_FALSE(peer.ok());
  EXPECT_EQ(peer.error().status, Status::kPeerGone) << peer.error().message;
  EXPECT_NE(peer.error().message.find("cannot reach node node-a at"), std::string::npos)
      << peer.error().message;
}

}  // namespace
}  // namespace shoal::kernel::remote
