// The pages the docs tests read: README.md and docs/*.md of a repository.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace shoal::doctest {

// README.md first, then docs/*.md by name.
std::vector<std::filesystem::path> DocPages(const std::filesystem::path& repo);

// The whole file ("" when it cannot be read).
std::string ReadPage(const std::filesystem::path& page);

}  // namespace shoal::doctest
