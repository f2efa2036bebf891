// Metrics: the daemon's counters, rendered in the Prometheus text format
// (version 0.0.4) by MetricsServer (metrics_server.h).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <tuple>

#include "kernel/base/thread_annotations.h"

namespace shoal::clusterd {

// Appends one unlabelled metric: its # HELP and # TYPE lines ("counter" or
// "gauge") and its value.
void AppendMetric(std::string& out, const char* name, const char* type, const char* help,
                  uint64_t value);

class Metrics {
 public:
  std::atomic<uint64_t> heartbeats_sent{0};
  std::atomic<uint64_t> heartbeats_failed{0};
  std::atomic<uint64_t> heartbeats_received{0};
  std::atomic<uint64_t> processes_started{0};
  std::atomic<uint64_t> processes_ended{0};

  // One finished RPC; `code` is the gRPC status code's number.
  void CountRpc(std::string_view service, std::string_view method, int code);

  // Gauges are computed when scraped: `gauges` appends complete metric
  // lines (with their # TYPE) to the text. Set once, before serving.
  void SetGauges(std::function<void(std::string&)> gauges) { gauges_ = std::move(gauges); }

  std::string Render() const;

 private:
  std::function<void(std::string&)> gauges_;
  mutable Mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> rpcs_ GUARDED_BY(mu_);
};

}  // namespace shoal::clusterd
