// A camera over the wire vs the same camera read locally, in the same run
// (docs/benchmarks.md, "Cameras"). A synthetic camera captures on "node A";
// one reader opens a session on it directly, the others through a proxy on
// "node B" (remote::Pair over TCP, then TLS, on 127.0.0.1, each side with its
// own event loop, as between two shoald). Each reader waits for kReadable, takes the
// frame and copies it into a buffer of its own, as the camera_read host call
// copies into guest memory; latency is from the frame's capture time (the
// camera's CLOCK_REALTIME stamp) to the end of that copy. Added latency is
// the proxied p50/p99 minus the local one, for each transport.
// Usage: shoal-bench-camera [FRAMES]; FRAMES per mode and path (default 300,
// 10 s at 30 fps).
#include <time.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "kernel/remote/pair.h"
#include "rdev/camera.h"
#include "rdev/synthetic_camera.h"

namespace {

namespace k = shoal::kernel;
using shoal::rdev::CameraFrame;
using shoal::rdev::CameraMode;
using shoal::rdev::CameraOps;

void Die(const std::string& what) {
  std::fprintf(stderr, "shoal-bench-camera: %s\n", what.c_str());
  std::exit(1);
}

uint64_t RealtimeNs() {
  timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  return uint64_t(now.tv_sec) * 1'000'000'000u + uint64_t(now.tv_nsec);
}

// Blocks until `camera` has one of `mask` or 2 s pass.
void WaitFor(CameraOps& camera, k::Signals mask) {
  std::mutex mu;
  std::condition_variable cv;
  bool fired = false;
  auto token = camera.ObserveAsync(mask, [&](k::Signals) {
    std::lock_guard lock(mu);
    fired = true;
    cv.notify_one();
  });
  if (!token.ok()) Die(token.error().message);
  std::unique_lock lock(mu);
  if (!cv.wait_for(lock, std::chrono::seconds(2), [&] { return fired; })) {
    lock.unlock();
    camera.CancelObserver(*token);
    Die("no frame within 2 s");
  }
}

struct Run {
  std::vector<double> latency_ms;
  uint64_t lost = 0;  // Sequence gaps, which `dropped` must account for.
  uint64_t dropped = 0;
};

Run Read(CameraOps& camera, const CameraMode& mode, int frames) {
  if (auto configured = camera.Configure(mode); !configured.ok()) Die(configured.error().message);
  if (auto started = camera.Start(); !started.ok()) Die(started.error().message);
  std::vector<uint8_t> guest(shoal::rdev::MaxFrameBytes(mode));
  Run run;
  uint64_t previous = 0;
  for (int i = 0; i < frames;) {
    shoal::Result<CameraFrame> frame = camera.ReadFrame(guest.size());
    if (!frame.ok()) {
      if (frame.error().status != shoal::Status::kShouldWait) Die(frame.error().message);
      WaitFor(camera, k::Signals::kReadable | k::Signals::kPeerClosed);
      continue;
    }
    std::memcpy(guest.data(), frame->bytes->data(), frame->bytes->size());
    run.latency_ms.push_back(double(RealtimeNs() - frame->capture_ns) / 1e6);
    if (i > 0) run.lost += frame->sequence - previous - 1;
    run.dropped += i > 0 ? frame->dropped : 0;
    previous = frame->sequence;
    ++i;
  }
  if (auto stopped = camera.Stop(); !stopped.ok()) Die(stopped.error().message);
  return run;
}

double Percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  size_t index = std::min(values.size() - 1, size_t(p * double(values.size())));
  return values[index];
}

}  // namespace

int main(int argc, char** argv) {
  int frames = argc > 1 ? std::atoi(argv[1]) : 300;
  if (frames < 2) Die("FRAMES must be at least 2");
  const CameraMode modes[] = {
      {shoal::rdev::PixelFormat::kYuyv, 640, 480, {30, 1}},
      {shoal::rdev::PixelFormat::kYuyv, 1920, 1080, {30, 1}},
  };
  auto camera = shoal::rdev::CreateSyntheticCamera();
  auto tcp = k::remote::Pair::Create(k::remote::Pair::Transport::kTcp);
  auto tls = k::remote::Pair::Create(k::remote::Pair::Transport::kTls);
  struct Path {
    const char* name;
    k::remote::Pair* pair;  // Null: read locally.
  };
  const Path paths[] = {{"local", nullptr}, {"tcp", tcp.get()}, {"tls", tls.get()}};
  std::printf("%-20s %-6s %7s %9s %9s %6s %8s\n", "mode", "path", "frames", "p50 ms", "p99 ms",
              "lost", "dropped");
  for (const CameraMode& mode : modes) {
    std::string name = shoal::rdev::FormatMode(mode);
    double local_p[2] = {0, 0};
    for (const Path& path : paths) {
      auto session = camera->OpenSession();
      if (!session.ok()) Die(session.error().message);
      k::Ref<CameraOps> reader = *session;
      if (path.pair != nullptr) {
        auto proxy = path.pair->Proxy(*session, k::DefaultRights(k::ObjectType::kCamera));
        if (!proxy.ok()) Die(proxy.error().message);
        reader = std::static_pointer_cast<CameraOps>(*proxy);
      }
      Run run = Read(*reader, mode, frames);
      if (run.lost != run.dropped) Die("a gap that `dropped` did not report");
      double p50 = Percentile(run.latency_ms, 0.50), p99 = Percentile(run.latency_ms, 0.99);
      std::printf("%-20s %-6s %7zu %9.3f %9.3f %6llu %8llu", name.c_str(), path.name,
                  run.latency_ms.size(), p50, p99, (unsigned long long)run.lost,
                  (unsigned long long)run.dropped);
      if (path.pair == nullptr) {
        local_p[0] = p50;
        local_p[1] = p99;
        std::printf("\n");
      } else {
        std::printf("   added p50 %.3f, p99 %.3f ms\n", p50 - local_p[0], p99 - local_p[1]);
      }
    }
  }
  return 0;
}
