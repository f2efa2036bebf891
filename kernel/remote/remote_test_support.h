// Test support for kernel/remote (header-only): proxies of a wanted type
// through a Pair, a handle sent on from side B, and a fixture for suites run
// over every transport.
#pragma once

#include <capnp/message.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "kernel/object/object.h"
#include "kernel/remote/handles.h"
#include "kernel/remote/pair.h"

namespace shoal::kernel::remote::testing {

// Side B's proxy of `object`, exported by side A with `rights`; null (and a
// test failure) when that fails.
template <typename T>
Ref<T> ProxyAs(Pair& pair, Ref<KernelObject> object, Rights rights) {
  Result<Ref<KernelObject>> proxy = pair.Proxy(std::move(object), rights);
  EXPECT_TRUE(proxy.ok()) << proxy.error().message;
  return proxy.ok() ? std::static_pointer_cast<T>(*proxy) : nullptr;
}

// `object`, held on side B, sent on as a migration sends a handle to another
// node: exported and imported again over B's link, which makes a new proxy
// of what a proxy stands for (or of what serves it, ServesItselfOnExport).
template <typename T>
Result<Ref<T>> SendOnFromB(Pair& pair, Ref<KernelObject> object) {
  std::shared_ptr<Link> link = pair.link_b();
  HandleEntry entry{std::move(object), DefaultRights(T::kType)};
  Result<HandleEntry> sent =
      link->loop()->RunAsync<Result<HandleEntry>>([&]() -> kj::Promise<Result<HandleEntry>> {
        auto message = kj::heap<capnp::MallocMessageBuilder>();
        auto handle = message->initRoot<proto::rpc::Handle>();
        if (VoidResult r = ExportHandle(link, entry, handle); !r.ok()) {
          return Result<HandleEntry>(r.error());
        }
        return ImportHandle(link, handle.asReader()).attach(kj::mv(message));
      });
  if (!sent.ok()) return sent.error();
  return std::static_pointer_cast<T>(sent->object);
}

// A suite run over each transport (AllTransports()): `pair_` joins the two
// sides. The pair goes in TearDown, before the fixture's own members, so the
// objects a derived fixture keeps (and what they need, like a TimerService or
// a Kernel) outlive the servers that hold them on the loop threads.
class PairTest : public ::testing::TestWithParam<Pair::Transport> {
 protected:
  void SetUp() override {
    pair_ = Pair::Create(GetParam());
    ASSERT_NE(pair_, nullptr);
  }
  void TearDown() override { pair_.reset(); }

  // Side B's proxy of `object`, exported by side A with `rights`.
  template <typename T>
  Ref<T> ProxyOf(Ref<KernelObject> object, Rights rights = DefaultRights(T::kType)) {
    return ProxyAs<T>(*pair_, std::move(object), rights);
  }

  std::unique_ptr<Pair> pair_;
};

// A PairTest around one object: `local_` on side A and `remote_`, side B's
// proxy of it with its type's default rights, made by SetUpProxy(). Both go
// in TearDown, the proxy before the pair (a proxy that outlives its loop
// leaks what it kept there) and the object after, before a derived
// fixture's members.
template <typename Local, typename Ops>
class ProxiedTest : public PairTest {
 protected:
  void SetUpProxy(Ref<Local> local) {
    ASSERT_NE(pair_, nullptr);
    local_ = std::move(local);
    remote_ = ProxyOf<Ops>(local_);
    ASSERT_NE(remote_, nullptr);
  }
  void TearDown() override {
    remote_.reset();  // While its loop runs to release what it holds there.
    PairTest::TearDown();
    local_.reset();
  }

  Ref<Local> local_;
  Ref<Ops> remote_;
};

// For INSTANTIATE_TEST_SUITE_P(Transports, Suite, AllTransports(), TransportName()):
// an in-process pipe, and TCP and TLS sockets on 127.0.0.1 (pair.h).
inline auto AllTransports() {
  return ::testing::Values(Pair::Transport::kPipe, Pair::Transport::kTcp, Pair::Transport::kTls);
}
struct TransportName {
  std::string operator()(const ::testing::TestParamInfo<Pair::Transport>& info) const {
    switch (info.param) {
      case Pair::Transport::kPipe:
        return "Pipe";
      case Pair::Transport::kTcp:
        return "Tcp";
      case Pair::Transport::kTls:
        return "Tls";
    }
    return "Unknown";
  }
};

}  // namespace shoal::kernel::remote::testing
