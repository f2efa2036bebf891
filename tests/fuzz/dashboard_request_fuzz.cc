// Fuzzes the dashboard server's reading of untrusted request bytes
// (clusterd/daemon/dashboard_http.h): request targets, cookies, bearer
// headers, login bodies and API paths. Beyond not crashing, a target may
// never name a file outside the dashboard's directory or a hidden one.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "clusterd/daemon/dashboard_http.h"

namespace dashboard = shoal::clusterd::dashboard;

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

void CheckFile(const std::string& file) {
  Check(!file.empty() && file.front() != '/');
  size_t start = 0;
  while (start <= file.size()) {
    size_t slash = file.find('/', start);
    std::string_view segment(file.data() + start,
                             (slash == std::string::npos ? file.size() : slash) - start);
    Check(!segment.empty() && segment.front() != '.');
    for (char c : segment) {
      Check((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '.' || c == '_' || c == '-');
    }
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (auto file = dashboard::StaticFile(input)) CheckFile(*file);
  (void)dashboard::ContentTypeFor(input);
  if (auto value = dashboard::CookieValue(input, dashboard::kTokenCookie)) {
    Check(value->size() <= input.size());
  }
  if (auto token = dashboard::BearerToken(input)) Check(token->size() <= input.size());
  if (auto token = dashboard::LoginToken(input)) (void)dashboard::CookieSafe(*token);
  if (auto method = dashboard::ApiMethod(dashboard::PathOf(input))) {
    Check(!method->empty());
    for (char c : *method) {
      Check((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'));
    }
  }
  return 0;
}
