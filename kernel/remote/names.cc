#include "kernel/remote/names.h"

#include <arpa/inet.h>

namespace shoal::kernel::remote {

bool IsNodeName(std::string_view name) {
  if (name.empty() || name == "localhost") return false;
  std::string text(name);
  unsigned char addr[16];
  return ::inet_pton(AF_INET, text.c_str(), addr) != 1 &&
         ::inet_pton(AF_INET6, text.c_str(), addr) != 1;
}

std::string HostOf(std::string_view address) {
  if (!address.empty() && address.front() == '[') {
    size_t close = address.find(']');
    return std::string(close == std::string_view::npos ? address : address.substr(1, close - 1));
  }
  size_t colon = address.rfind(':');
  return std::string(colon == std::string_view::npos ? address : address.substr(0, colon));
}

bool IsLoopbackAddress(std::string_view address) {
  std::string host = HostOf(address);
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

}  // namespace shoal::kernel::remote
