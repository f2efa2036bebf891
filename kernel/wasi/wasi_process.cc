#include "kernel/wasi/wasi_process.h"

#include <time.h>

#include "kernel/wasi/host_directory.h"
#include "kernel/wasi/stdio_stream.h"

namespace shoal::wasi {
namespace {

// Stands in for a missing sink or source.
class NullSink : public OutputSink {
 public:
  Errno Write(std::span<const uint8_t> bytes) override { return Errno::kSuccess; }
};

}  // namespace

uint64_t MonotonicNowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1'000'000'000ull + uint64_t(ts.tv_nsec);
}

uint64_t RealtimeNowNs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return uint64_t(ts.tv_sec) * 1'000'000'000ull + uint64_t(ts.tv_nsec);
}

WasiProcess::WasiProcess(WasiConfig config) : config_(std::move(config)) {}

Result<std::unique_ptr<WasiProcess>> WasiProcess::Create(WasiConfig config) {
  std::unique_ptr<WasiProcess> process(new WasiProcess(std::move(config)));
  WasiConfig& c = process->config_;
  std::shared_ptr<InputSource> in = c.stdin_source;
  if (!in) in = std::make_shared<StringSource>("");
  std::shared_ptr<OutputSink> out = c.stdout_sink;
  if (!out) out = std::make_shared<NullSink>();
  process->stderr_sink_ = c.stderr_sink ? c.stderr_sink : std::make_shared<NullSink>();

  auto stdio = [](std::shared_ptr<FileObject> object) {
    Rights rights = object->max_rights();
    return Descriptor{std::move(object), rights, 0, ""};
  };
  process->fds_.InsertAt(0, stdio(StdioStream::ForInput(std::move(in))));
  process->fds_.InsertAt(1, stdio(StdioStream::ForOutput(std::move(out))));
  process->fds_.InsertAt(2, stdio(StdioStream::ForOutput(process->stderr_sink_)));

  for (const Preopen& preopen : c.preopens) {
    if (preopen.guest_path.empty()) {
      return MakeError(Status::kInvalidArgs,
                       "preopen of '" + preopen.host_path + "' has an empty guest path");
    }
    auto dir = HostDirectory::OpenHost(preopen.host_path, c.file_io);
    if (!dir.ok()) {
      Status status = dir.error() == Errno::kNoent ? Status::kNotFound : Status::kIoError;
      return MakeError(status, "cannot open directory '" + preopen.host_path + "' (WASI errno " +
                                   std::to_string(int(dir.error())) + ")");
    }
    Descriptor d{std::move(dir).value(), kDirectoryRights, kDirectoryRights | kFileRights,
                 preopen.guest_path};
    auto fd = process->fds_.Insert(std::move(d));
    if (!fd.ok()) return MakeError(Status::kNoMemory, "too many preopened directories");
  }
  return process;
}

}  // namespace shoal::wasi
