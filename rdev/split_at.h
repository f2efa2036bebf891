// SplitAt: the one text split the device-mode parsers (camera.cc, audio.cc)
// share.
#pragma once

#include <optional>
#include <string_view>
#include <utility>

namespace shoal::rdev {

// Splits `text` at the first `separator` (which neither part keeps);
// nullopt without one.
inline std::optional<std::pair<std::string_view, std::string_view>> SplitAt(std::string_view text,
                                                                            char separator) {
  size_t at = text.find(separator);
  if (at == std::string_view::npos) return std::nullopt;
  return std::pair{text.substr(0, at), text.substr(at + 1)};
}

}  // namespace shoal::rdev
