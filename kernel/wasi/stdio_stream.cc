#include "kernel/wasi/stdio_stream.h"

namespace shoal::wasi {

std::shared_ptr<StdioStream> StdioStream::ForInput(std::shared_ptr<InputSource> source) {
  return std::shared_ptr<StdioStream>(new StdioStream(std::move(source), nullptr));
}

std::shared_ptr<StdioStream> StdioStream::ForOutput(std::shared_ptr<OutputSink> sink) {
  return std::shared_ptr<StdioStream>(new StdioStream(nullptr, std::move(sink)));
}

Rights StdioStream::max_rights() const {
  Rights common = kRightFdFdstatSetFlags | kRightFdFilestatGet | kRightPollFdReadwrite |
                  kRightFdSync | kRightFdDatasync;
  return common | (source_ ? kRightFdRead : kRightFdWrite);
}

ErrnoOr<size_t> StdioStream::Read(std::span<uint8_t> buf) {
  if (!source_) return Errno::kBadf;
  return source_->Read(buf);
}

ErrnoOr<size_t> StdioStream::Write(std::span<const uint8_t> buf) {
  if (!sink_) return Errno::kBadf;
  RETURN_IF_ERRNO(sink_->Write(buf));
  return buf.size();
}

ErrnoOr<FileStat> StdioStream::Stat() {
  FileStat st;
  st.type = Filetype::kCharacterDevice;
  st.nlink = 1;
  return st;
}

}  // namespace shoal::wasi
