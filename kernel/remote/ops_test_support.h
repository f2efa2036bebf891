// Test support for the operations tests (kernel/remote/*_ops_test.cc): each
// object type's behaviour, checked once and run against local objects and
// against proxies of them over every transport of a Pair (a pipe on one
// loop, TCP and TLS between two loops), so a handle cannot tell which one it
// holds (ARCHITECTURE.md, invariant 3).
//
// A proxy answers some operations before the other node has acted on them
// (a channel write, a timer set) and mirrors signals as they are pushed, so
// the tests wait, within a bound, for what a local object shows at once:
// kernel::testing::WaitUntil and WaitForSignals.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kernel/object/object.h"
#include "kernel/object/object_test_support.h"
#include "kernel/proc/proc_test_support.h"
#include "kernel/remote/pair.h"
#include "kernel/remote/remote_test_support.h"

namespace shoal::kernel::remote::testing {

// Where a test's objects are: here (nullopt), or across a Pair of that
// transport, the test holding side B's proxies of side A's objects.
using Where = std::optional<Pair::Transport>;

inline std::vector<uint8_t> Bytes(std::string_view text) { return {text.begin(), text.end()}; }

// The object factory of an operations test: kernel::testing::LocalObjects,
// handed out as they are (Where nullopt) or as side B's proxies of them.
class Objects {
 public:
  explicit Objects(Where where) {
    if (!where) return;
    pair_ = Pair::Create(*where);
    EXPECT_NE(pair_, nullptr);
  }

  bool proxied() const { return pair_ != nullptr; }

  std::pair<Ref<ChannelOps>, Ref<ChannelOps>> CreateChannel() {
    auto [a, b] = local_.CreateChannel();
    return {Share(std::move(a)), Share(std::move(b))};
  }
  Ref<PortOps> CreatePort() { return Share(local_.CreatePort()); }
  Ref<TimerOps> CreateTimer() { return Share(local_.CreateTimer()); }
  Ref<ConsoleOps> CreateConsole(size_t retention = ConsoleLog::kDefaultRetention) {
    return Share(local_.CreateConsole(retention));
  }
  Ref<DeviceOps> CreateDevice(BasicDeviceKind kind) { return Share(local_.CreateDevice(kind)); }
  // A preopened root at `host_path` (kernel::testing::kRootRights).
  Ref<DirectoryOps> OpenRoot(const std::string& host_path) {
    return Share(local_.OpenRoot(host_path), kernel::testing::kRootRights);
  }
  // An object the test made itself, as this factory hands objects out:
  // `rights` are what side A grants the proxy (nothing, for a local one).
  template <typename T>
  Ref<T> Share(Ref<T> local, Rights rights = DefaultRights(T::kType)) {
    if (!proxied() || local == nullptr) return local;
    return ProxyAs<T>(*pair_, std::move(local), rights);
  }

 private:
  // First: its timer service and reactor outlive the servers of the pair.
  kernel::testing::LocalObjects local_;
  std::unique_ptr<Pair> pair_;
};

// A suite of operations tests: `objects_` as GetParam() says. Instantiate it
// twice:
//   INSTANTIATE_TEST_SUITE_P(Local, Suite, ::testing::Values(Where()), WhereName());
//   INSTANTIATE_TEST_SUITE_P(Wire, Suite, AllTransports(), WhereName());
class OpsTest : public ::testing::TestWithParam<Where> {
 protected:
  Objects objects_{GetParam()};
};

struct WhereName {
  std::string operator()(const ::testing::TestParamInfo<Where>& info) const {
    if (!info.param) return "Here";
    return TransportName()(::testing::TestParamInfo<Pair::Transport>(*info.param, info.index));
  }
};

}  // namespace shoal::kernel::remote::testing
