#include "clusterd/daemon/fault_points.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <vector>

#include "kernel/base/thread_annotations.h"

namespace shoal::clusterd::fault {
namespace {

enum class Action : uint8_t { kExit, kCut };

struct Armed {
  std::string point;
  Action action;
  uint64_t on_hit;  // Fires on this hit (1-based).
  uint64_t hits = 0;
};

Mutex mu;
std::vector<Armed> armed_points GUARDED_BY(mu);
std::function<void(const std::string&)> cut_fn GUARDED_BY(mu);

}  // namespace

namespace internal {

std::atomic<bool> armed{false};

void Hit(std::string_view point, const std::string& peer) {
  std::function<void(const std::string&)> cut;
  {
    MutexLock lock(&mu);
    auto it = std::find_if(armed_points.begin(), armed_points.end(),
                           [&](const Armed& a) { return a.point == point; });
    if (it == armed_points.end() || ++it->hits != it->on_hit) return;
    if (it->action == Action::kExit) {
      spdlog::warn("fault {}: exit", point);
      spdlog::default_logger()->flush();
      ::_exit(137);
    }
    spdlog::warn("fault {}: cutting the connection with node {}", point, peer);
    cut = cut_fn;
  }
  if (cut) cut(peer);
}

}  // namespace internal

VoidResult Arm(std::string_view spec) {
  auto bad = [&](const std::string& why) {
    return MakeError(Status::kInvalidArgs, "--fault " + std::string(spec) + ": " + why);
  };
  size_t eq = spec.find('=');
  if (eq == std::string_view::npos) return bad("expected POINT=ACTION[@N]");
  Armed a{std::string(spec.substr(0, eq)), Action::kExit, 1};
  if (std::find(std::begin(kPoints), std::end(kPoints), a.point) == std::end(kPoints)) {
    return bad("no fault point " + a.point);
  }
  std::string_view action = spec.substr(eq + 1);
  if (size_t at = action.find('@'); at != std::string_view::npos) {
    std::string_view n = action.substr(at + 1);
    auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), a.on_hit);
    if (ec != std::errc() || end != n.data() + n.size() || a.on_hit == 0) {
      return bad("the hit to fire on is a number from 1");
    }
    action = action.substr(0, at);
  }
  if (action == "exit") {
    a.action = Action::kExit;
  } else if (action == "cut") {
    a.action = Action::kCut;
  } else {
    return bad("the action is exit or cut");
  }
  MutexLock lock(&mu);
  armed_points.push_back(std::move(a));
  internal::armed.store(true, std::memory_order_relaxed);
  return Ok();
}

void SetCut(std::function<void(const std::string& peer)> cut) {
  MutexLock lock(&mu);
  cut_fn = std::move(cut);
}

}  // namespace shoal::clusterd::fault
