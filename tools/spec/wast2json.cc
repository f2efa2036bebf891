#include "tools/spec/wast2json.h"

#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <vector>

extern char** environ;

namespace shoal::spec {

Result<TempDir> TempDir::Create() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/shoal-spec-XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr) {
    return MakeError(Status::kIoError, "mkdtemp " + pattern + ": " + std::strerror(errno));
  }
  return TempDir(std::string(buf.data()));
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ec;  // Best effort: a leftover temp dir is not worth failing for.
  std::filesystem::remove_all(path_, ec);
}

VoidResult RunWast2Json(const std::string& wast2json_path, const std::string& wast_file,
                        const std::string& out_json) {
  std::vector<std::string> args = {wast2json_path, wast_file, "-o", out_json};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  pid_t pid = 0;
  int rc = posix_spawnp(&pid, wast2json_path.c_str(), nullptr, nullptr, argv.data(), environ);
  if (rc != 0) {
    return MakeError(Status::kIoError, "cannot run " + wast2json_path + ": " + std::strerror(rc));
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      return MakeError(Status::kIoError, std::string("waitpid: ") + std::strerror(errno));
    }
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return MakeError(Status::kIoError, wast2json_path + " failed on " + wast_file);
  }
  return Ok();
}

}  // namespace shoal::spec
