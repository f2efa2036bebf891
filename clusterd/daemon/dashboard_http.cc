#include "clusterd/daemon/dashboard_http.h"

#include <nlohmann/json.hpp>

namespace shoal::clusterd::dashboard {
namespace {

bool NameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string_view PathOf(std::string_view target) {
  size_t end = target.find_first_of("?#");
  return end == std::string_view::npos ? target : target.substr(0, end);
}

std::optional<std::string> StaticFile(std::string_view target) {
  std::string_view path = PathOf(target);
  if (path.empty() || path.front() != '/') return std::nullopt;
  if (path == "/") return "index.html";
  path.remove_prefix(1);
  std::string file;
  while (!path.empty()) {
    size_t slash = path.find('/');
    std::string_view segment = path.substr(0, slash);
    // Empty segments, hidden files, "." and ".." never name a file we serve.
    if (segment.empty() || segment.front() == '.') return std::nullopt;
    for (char c : segment) {
      if (!NameChar(c)) return std::nullopt;
    }
    if (!file.empty()) file += '/';
    file += segment;
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
    if (path.empty()) return std::nullopt;  // "/dir/": no listings.
  }
  return file;
}

std::string_view ContentTypeFor(std::string_view file) {
  size_t dot = file.rfind('.');
  std::string_view ext = dot == std::string_view::npos ? "" : file.substr(dot + 1);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "json" || ext == "map") return "application/json";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "ico") return "image/x-icon";
  if (ext == "woff2") return "font/woff2";
  if (ext == "txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

std::optional<std::string> CookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    size_t semi = header.find(';');
    std::string_view pair = Trim(header.substr(0, semi));
    size_t eq = pair.find('=');
    if (eq != std::string_view::npos && Trim(pair.substr(0, eq)) == name) {
      std::string_view value = Trim(pair.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      return std::string(value);
    }
    if (semi == std::string_view::npos) break;
    header.remove_prefix(semi + 1);
  }
  return std::nullopt;
}

std::optional<std::string> BearerToken(std::string_view header) {
  constexpr std::string_view kBearer = "Bearer ";
  header = Trim(header);
  if (header.substr(0, kBearer.size()) != kBearer) return std::nullopt;
  return std::string(Trim(header.substr(kBearer.size())));
}

std::optional<std::string> LoginToken(std::string_view body) {
  nlohmann::json parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return std::nullopt;
  auto it = parsed.find("token");
  if (it == parsed.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

bool CookieSafe(std::string_view token) {
  for (unsigned char c : token) {
    bool ok = c == 0x21 || (c >= 0x23 && c <= 0x2B) || (c >= 0x2D && c <= 0x3A) ||
              (c >= 0x3C && c <= 0x5B) || (c >= 0x5D && c <= 0x7E);
    if (!ok) return false;
  }
  return !token.empty();
}

std::optional<std::string> ApiMethod(std::string_view path) {
  constexpr std::string_view kPrefix = "/api/shoal.admin.v1.Admin/";
  if (path.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  std::string_view method = path.substr(kPrefix.size());
  if (method.empty()) return std::nullopt;
  for (char c : method) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!ok) return std::nullopt;
  }
  return std::string(method);
}

}  // namespace shoal::clusterd::dashboard
