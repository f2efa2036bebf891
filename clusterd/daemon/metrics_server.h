// MetricsServer: a minimal HTTP/1.0 listener that answers GET /metrics with
// Metrics::Render() and anything else with 404. One connection at a time on
// its own thread; requests are small and scrapes rare.
#pragma once

#include <atomic>
#include <string>
#include <thread>

#include "clusterd/daemon/metrics.h"
#include "kernel/base/result.h"

namespace shoal::clusterd {

class MetricsServer {
 public:
  // Listens on `address` (IPv4 host:port; port 0 picks one). kIoError when
  // it cannot bind.
  static Result<std::unique_ptr<MetricsServer>> Start(const std::string& address,
                                                      const Metrics& metrics);
  ~MetricsServer();

  int port() const { return port_; }

 private:
  MetricsServer(int fd, int port, const Metrics& metrics);
  void Serve();

  int fd_;
  int port_;
  const Metrics& metrics_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace shoal::clusterd
