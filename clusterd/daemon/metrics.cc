#include "clusterd/daemon/metrics.h"

namespace shoal::clusterd {
namespace {

void Counter(std::string& out, const char* name, const char* help, uint64_t value) {
  AppendMetric(out, name, "counter", help, value);
}

}  // namespace

void AppendMetric(std::string& out, const char* name, const char* type, const char* help,
                  uint64_t value) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
         name + " " + std::to_string(value) + "\n";
}

void Metrics::CountRpc(std::string_view service, std::string_view method, int code) {
  MutexLock lock(&mu_);
  ++rpcs_[{std::string(service), std::string(method), code}];
}

std::string Metrics::Render() const {
  std::string out;
  Counter(out, "shoal_heartbeats_sent_total", "Heartbeats this node sent that were answered.",
          heartbeats_sent);
  Counter(out, "shoal_heartbeats_failed_total", "Heartbeats this node sent that failed.",
          heartbeats_failed);
  Counter(out, "shoal_heartbeats_received_total", "Heartbeats this node received.",
          heartbeats_received);
  Counter(out, "shoal_processes_started_total", "Processes started on this node.",
          processes_started);
  Counter(out, "shoal_processes_ended_total", "Processes that ended on this node.",
          processes_ended);
  out += "# HELP shoal_rpcs_total RPCs served, by service, method and gRPC status code.\n";
  out += "# TYPE shoal_rpcs_total counter\n";
  {
    MutexLock lock(&mu_);
    for (const auto& [key, count] : rpcs_) {
      const auto& [service, method, code] = key;
      out += "shoal_rpcs_total{service=\"" + service + "\",method=\"" + method + "\",code=\"" +
             std::to_string(code) + "\"} " + std::to_string(count) + "\n";
    }
  }
  if (gauges_) gauges_(out);
  return out;
}

}  // namespace shoal::clusterd
