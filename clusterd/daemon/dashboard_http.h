// The dashboard server's reading of requests: which file a path names, the
// token a request carries, a login body. Pure functions over untrusted
// bytes, kept apart from the server so that they are tested and fuzzed
// alone (tests/fuzz/dashboard_request_fuzz.cc).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace shoal::clusterd::dashboard {

// The cookie that carries the token after a login.
inline constexpr std::string_view kTokenCookie = "shoal_token";

// The file under the dashboard's directory that request target `target`
// ("/app.js?v=2") names, relative ("app.js"; "/" is "index.html"); nullopt
// for anything but plain names of [A-Za-z0-9._-] in folders, so no path
// climbs out of the directory or names a hidden file.
std::optional<std::string> StaticFile(std::string_view target);

// The path part of a request target, without query or fragment.
std::string_view PathOf(std::string_view target);

// The Content-Type for a file by its extension.
std::string_view ContentTypeFor(std::string_view file);

// The value of cookie `name` in a Cookie header ("a=1; shoal_token=x").
std::optional<std::string> CookieValue(std::string_view header, std::string_view name);

// The token of an "Authorization: Bearer TOKEN" header.
std::optional<std::string> BearerToken(std::string_view header);

// The token of a login body, {"token": "..."}; nullopt for anything else.
std::optional<std::string> LoginToken(std::string_view body);

// Whether a token can travel in a cookie as it is (RFC 6265 cookie-octets,
// no quotes): tokens that cannot are only accepted as a bearer header.
bool CookieSafe(std::string_view token);

// The Admin method an API path names ("/api/shoal.admin.v1.Admin/ListNodes"
// -> "ListNodes"); nullopt for any other path.
std::optional<std::string> ApiMethod(std::string_view path);

}  // namespace shoal::clusterd::dashboard
