#include "clusterd/daemon/durable_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace shoal::clusterd {
Error IoError(const std::filesystem::path& path, const char* what) {
  return MakeError(Status::kIoError,
                   std::string(what) + " " + path.string() + ": " + std::strerror(errno));
}

bool WriteAll(int fd, const std::string& text, off_t at) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = at < 0 ? ::write(fd, text.data() + done, text.size() - done)
                       : ::pwrite(fd, text.data() + done, text.size() - done, at + off_t(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += size_t(n);
  }
  return true;
}

VoidResult ReplaceFile(const std::filesystem::path& file, const std::string& text) {
  std::filesystem::path tmp = file;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return IoError(tmp, "cannot create");
  bool ok = WriteAll(fd, text) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return IoError(tmp, "cannot write");
  if (::rename(tmp.c_str(), file.c_str()) != 0) return IoError(file, "cannot replace");
  // The rename itself is durable once the directory is.
  if (int dir = ::open(file.parent_path().empty() ? "." : file.parent_path().c_str(),
                       O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      dir >= 0) {
    (void)::fsync(dir);
    ::close(dir);
  }
  return Ok();
}

}  // namespace shoal::clusterd
