// Runs every WebAssembly spec script in SHOAL_SPEC_DIR as one test that
// demands zero failures (simd_* only when built with SHOAL_SPEC_SIMD).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <string>
#include <vector>

#include "tools/spec/spec_runner.h"

namespace shoal::spec {
namespace {

std::vector<std::string> SpecFiles() {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(SHOAL_SPEC_DIR, ec)) {
    const std::filesystem::path& path = entry.path();
    if (path.extension() != ".wast") continue;
    const bool simd = path.filename().string().rfind("simd_", 0) == 0;
    if (simd && !SHOAL_SPEC_SIMD) continue;
    files.push_back(path.string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// "memory_copy.wast" -> "memory_copy", "binary-leb128.wast" -> "binary_leb128".
std::string TestName(const testing::TestParamInfo<std::string>& info) {
  std::string name = std::filesystem::path(info.param).stem().string();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

class SpecScript : public testing::TestWithParam<std::string> {};

TEST(SpecSuite, AllScriptsAreFound) {
  // 90 non-SIMD scripts (146 with SIMD): a missing directory must fail, not pass empty.
  EXPECT_GE(SpecFiles().size(), SHOAL_SPEC_SIMD ? 146u : 90u) << SHOAL_SPEC_DIR;
}

TEST_P(SpecScript, AllCommandsPass) {
  SpecOptions options;
  options.wast2json = SHOAL_SPEC_WAST2JSON;
  auto result = RunWastFile(GetParam(), options);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_GT(result->passed + result->failed, 0u) << "no commands ran";
  constexpr size_t kShown = 30;
  std::string shown;
  for (size_t i = 0; i < result->failures.size() && i < kShown; ++i) {
    shown += result->failures[i] + "\n";
  }
  EXPECT_EQ(result->failed, 0u) << result->passed << " passed; first failures:\n" << shown;
}

INSTANTIATE_TEST_SUITE_P(Wast, SpecScript, testing::ValuesIn(SpecFiles()), TestName);

}  // namespace
}  // namespace shoal::spec
