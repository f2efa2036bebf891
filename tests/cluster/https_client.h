// HttpsClient: a small blocking HTTP/1.1 client over TLS (kj-http, kj-tls)
// that trusts only the test cluster's CA, for tests of the dashboard server.
// Each request opens its own connection.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace shoal::testing {

struct HttpReply {
  int status = 0;
  std::string body;
  std::string content_type;
  std::string location;
  std::string set_cookie;
  std::string error;  // Set when no reply came (connect, TLS, timeout).
};

class HttpsClient {
 public:
  using Headers = std::vector<std::pair<std::string, std::string>>;

  // Talks to 127.0.0.1:`port`, checking its certificate against the PEM CA
  // at `ca_file` (for the name localhost, which every node certificate
  // carries).
  HttpsClient(int port, std::string ca_file);

  HttpReply Get(const std::string& path, const Headers& headers = {});
  HttpReply Post(const std::string& path, const std::string& body, const Headers& headers = {});
  // A POST whose answer streams: reads until `enough(body so far)` or
  // `limit` passes, then drops the connection.
  HttpReply PostStream(const std::string& path, const std::string& body, const Headers& headers,
                       const std::function<bool(const std::string&)>& enough,
                       std::chrono::milliseconds limit);

 private:
  HttpReply Send(bool post, const std::string& path, const std::string& body,
                 const Headers& headers, const std::function<bool(const std::string&)>* enough,
                 std::chrono::milliseconds limit);

  int port_;
  std::string ca_file_;
};

}  // namespace shoal::testing
