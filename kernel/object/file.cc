#include "kernel/object/file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <memory>

namespace shoal::kernel {
namespace {

uint64_t Nanos(const timespec& ts) {
  return uint64_t(ts.tv_sec) * 1'000'000'000ull + uint64_t(ts.tv_nsec);
}

}  // namespace

ErrnoResult<FileAttr> StatHostFd(int fd) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return LastError();
  FileAttr out;
  out.dev = st.st_dev;
  out.ino = st.st_ino;
  out.mode = st.st_mode;
  out.nlink = st.st_nlink;
  out.size = uint64_t(st.st_size);
  out.atim_ns = Nanos(st.st_atim);
  out.mtim_ns = Nanos(st.st_mtim);
  out.ctim_ns = Nanos(st.st_ctim);
  return out;
}

Ref<File> File::Adopt(UniqueFd fd, FileIo& io, bool append) {
  return Ref<File>(new File(std::move(fd), io, append));
}

void File::ReadAsync(uint64_t offset, size_t max_bytes, ReadDone done) {
  if (offset > uint64_t(INT64_MAX)) return done(HostError{EINVAL});
  // The buffer and the file (so its descriptor) live in the callback until
  // the reactor is done with them, even if every handle closes meanwhile.
  auto buffer = std::make_shared<std::vector<uint8_t>>(std::min(max_bytes, kMaxTransfer));
  auto finish = [self = self(), buffer, done](int32_t result, int error) {
    if (error != 0) return done(HostError{error});
    buffer->resize(size_t(result));
    done(std::move(*buffer));
  };
  if (int error = io_.Read(fd_.get(), *buffer, offset, finish); error != 0) {
    done(HostError{error});
  }
}

ErrnoResult<size_t> File::ReadNow(uint64_t offset, std::span<uint8_t> buffer) {
  if (offset > uint64_t(INT64_MAX)) return HostError{EINVAL};
  int64_t n = io_.ReadNow(fd_.get(), buffer.first(std::min(buffer.size(), kMaxTransfer)), offset);
  if (n < 0) return HostError{int(-n)};
  return size_t(n);
}

void File::WriteAsync(uint64_t offset, std::vector<uint8_t> bytes, WriteDone done) {
  if (bytes.size() > kMaxTransfer) return done(HostError{EFBIG});
  if (offset == kAppend) {
    if (!append_) return done(HostError{EINVAL});
    // O_APPEND makes the host put every write at the end, whatever its offset.
    offset = 0;
  } else if (offset > uint64_t(INT64_MAX)) {
    return done(HostError{EINVAL});
  }
  auto buffer = std::make_shared<std::vector<uint8_t>>(std::move(bytes));
  auto finish = [self = self(), buffer, done](int32_t result, int error) {
    if (error != 0) return done(HostError{error});
    done(size_t(result));
  };
  if (int error = io_.Write(fd_.get(), *buffer, offset, finish); error != 0) {
    done(HostError{error});
  }
}

void File::SyncAsync(SyncScope scope, SyncDone done) {
  auto finish = [self = self(), done](int32_t, int error) {
    if (error != 0) return done(HostError{error});
    done(Done{});
  };
  if (int error = io_.Sync(fd_.get(), scope, finish); error != 0) done(HostError{error});
}

void File::SetSizeAsync(uint64_t size, SetSizeDone done) {
  if (size > uint64_t(INT64_MAX)) return done(HostError{EINVAL});
  if (::ftruncate(fd_.get(), off_t(size)) != 0) return done(LastError());
  done(Done{});
}

}  // namespace shoal::kernel
