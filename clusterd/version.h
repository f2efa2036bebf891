// What `shoal --version` and `shoald --version` print: the project version,
// the git commit the binary was built from and the build type.
#pragma once

#include <string>

namespace shoal {

// "PROGRAM 0.1.0 (commit 1a2b3c4d5e6f, RelWithDebInfo build)".
std::string VersionLine(const char* program);

}  // namespace shoal
