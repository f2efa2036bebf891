// Audio over the wire vs the same device written locally, in the same run
// (docs/benchmarks.md, "Audio"). A WAV sink plays on "node A" at 48 kHz,
// stereo s16, 5 ms periods with a ring of 4; one writer opens a session on it
// directly, the others through a proxy on "node B" (remote::Pair over TCP,
// then TLS, on 127.0.0.1, each side with its own event loop, as between two
// shoald). Each writer plays a tone one period per write, parking on
// kWritable while the ring is full, as apps/tone.c does. A period's latency
// is the time its Write takes to put it in the device's ring (the ring's own
// wait, the same for every path, is not counted); added latency is the
// proxied p50/p99 minus the local one. Xruns are the sink's underruns over
// the run, read through Status.
// Usage: shoal-bench-audio [SECONDS]; SECONDS per path (default 10).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "kernel/remote/pair.h"
#include "rdev/audio.h"
#include "rdev/synthetic_audio.h"

namespace {

namespace k = shoal::kernel;
using shoal::rdev::AudioConfig;
using shoal::rdev::AudioOps;
using std::chrono::steady_clock;

constexpr AudioConfig kConfig{shoal::rdev::SampleFormat::kS16, 48000, 2, 240, 4};

void Die(const std::string& what) {
  std::fprintf(stderr, "shoal-bench-audio: %s\n", what.c_str());
  std::exit(1);
}

// Blocks until `audio` has one of `mask` or 2 s pass.
void WaitFor(AudioOps& audio, k::Signals mask) {
  std::mutex mu;
  std::condition_variable cv;
  bool fired = false;
  auto token = audio.ObserveAsync(mask, [&](k::Signals) {
    std::lock_guard lock(mu);
    fired = true;
    cv.notify_one();
  });
  if (!token.ok()) Die(token.error().message);
  std::unique_lock lock(mu);
  if (!cv.wait_for(lock, std::chrono::seconds(2), [&] { return fired; })) {
    lock.unlock();
    audio.CancelObserver(*token);
    Die("the ring did not drain within 2 s");
  }
}

struct Run {
  std::vector<double> latency_ms;
  uint64_t xruns = 0;
};

Run Play(AudioOps& sink, int seconds) {
  if (auto configured = sink.Configure(kConfig); !configured.ok()) Die(configured.error().message);
  if (auto started = sink.Start(); !started.ok()) Die(started.error().message);
  const uint64_t periods = uint64_t(seconds) * kConfig.rate / kConfig.period_frames;
  std::vector<uint8_t> period;
  Run run;
  for (uint64_t n = 0, written = 0; written < periods;) {
    if (period.empty()) {
      for (uint32_t i = 0; i < kConfig.period_frames; ++i, ++n) {
        std::vector<uint8_t> sample = shoal::rdev::ToneSample(n, 440, kConfig.rate, kConfig.format);
        for (uint32_t c = 0; c < kConfig.channels; ++c)
          period.insert(period.end(), sample.begin(), sample.end());
      }
    }
    auto begin = steady_clock::now();
    shoal::Result<size_t> frames = sink.Write(period);
    if (!frames.ok()) {
      if (frames.error().status != shoal::Status::kShouldWait) Die(frames.error().message);
      WaitFor(sink, k::Signals::kWritable | k::Signals::kPeerClosed);
      continue;
    }
    if (*frames != kConfig.period_frames) Die("a period written in part");
    run.latency_ms.push_back(
        std::chrono::duration<double, std::milli>(steady_clock::now() - begin).count());
    period.clear();
    ++written;
  }
  if (auto drained = sink.Drain(); !drained.ok()) Die(drained.error().message);
  auto status = sink.Status();
  if (!status.ok()) Die(status.error().message);
  run.xruns = status->xruns;
  if (auto stopped = sink.Stop(); !stopped.ok()) Die(stopped.error().message);
  return run;
}

double Percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  size_t index = std::min(values.size() - 1, size_t(p * double(values.size())));
  return values[index];
}

}  // namespace

int main(int argc, char** argv) {
  int seconds = argc > 1 ? std::atoi(argv[1]) : 10;
  if (seconds < 1) Die("SECONDS must be at least 1");
  std::string wav = "/tmp/shoal-bench-audio-" + std::to_string(getpid()) + ".wav";
  auto sink = shoal::rdev::CreateWavSink(wav);
  if (!sink.ok()) Die(sink.error().message);
  auto tcp = k::remote::Pair::Create(k::remote::Pair::Transport::kTcp);
  auto tls = k::remote::Pair::Create(k::remote::Pair::Transport::kTls);
  struct Path {
    const char* name;
    k::remote::Pair* pair;  // Null: written locally.
  };
  const Path paths[] = {{"local", nullptr}, {"tcp", tcp.get()}, {"tls", tls.get()}};
  std::printf("%-22s %-6s %8s %9s %9s %6s\n", "config", "path", "periods", "p50 ms", "p99 ms",
              "xruns");
  std::string name = shoal::rdev::FormatAudioConfig(kConfig);
  double local_p[2] = {0, 0};
  for (const Path& path : paths) {
    auto session = (*sink)->OpenSession();
    if (!session.ok()) Die(session.error().message);
    k::Ref<AudioOps> writer = *session;
    if (path.pair != nullptr) {
      auto proxy = path.pair->Proxy(*session, k::DefaultRights(k::ObjectType::kAudio));
      if (!proxy.ok()) Die(proxy.error().message);
      writer = std::static_pointer_cast<AudioOps>(*proxy);
    }
    Run run = Play(*writer, seconds);
    double p50 = Percentile(run.latency_ms, 0.50), p99 = Percentile(run.latency_ms, 0.99);
    std::printf("%-22s %-6s %8zu %9.3f %9.3f %6llu", name.c_str(), path.name, run.latency_ms.size(),
                p50, p99, (unsigned long long)run.xruns);
    if (path.pair == nullptr) {
      local_p[0] = p50;
      local_p[1] = p99;
      std::printf("\n");
    } else {
      std::printf("   added p50 %.3f, p99 %.3f ms\n", p50 - local_p[0], p99 - local_p[1]);
    }
  }
  sink->reset();
  unlink(wav.c_str());
  return 0;
}
