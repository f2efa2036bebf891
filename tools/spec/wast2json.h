// Runs wabt's wast2json to turn a .wast script into JSON plus .wasm files.
#pragma once

#include <string>

#include "kernel/base/result.h"

namespace shoal::spec {

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it
// when the object is destroyed.
class TempDir {
 public:
  static Result<TempDir> Create();
  TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  TempDir& operator=(TempDir&&) = delete;
  TempDir(const TempDir&) = delete;
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// Runs `wast2json_path wast_file -o out_json` (directly, without a shell) and
// waits for it. Errors (kIoError) say whether it could not start or failed.
VoidResult RunWast2Json(const std::string& wast2json_path, const std::string& wast_file,
                        const std::string& out_json);

}  // namespace shoal::spec
