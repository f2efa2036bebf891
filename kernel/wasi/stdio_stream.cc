#include "kernel/wasi/stdio_stream.h"

namespace shoal::wasi {

std::shared_ptr<StdioStream> StdioStream::ForInput(kernel::Ref<StdinDevice> device) {
  return std::shared_ptr<StdioStream>(new StdioStream(std::move(device), nullptr));
}

std::shared_ptr<StdioStream> StdioStream::ForOutput(std::shared_ptr<ConsoleOutput> output) {
  return std::shared_ptr<StdioStream>(new StdioStream(nullptr, std::move(output)));
}

Rights StdioStream::max_rights() const {
  Rights common = kRightFdFdstatSetFlags | kRightFdFilestatGet | kRightPollFdReadwrite;
  // Syncing is writing (handle_rights.h): the input stream cannot.
  if (input_) return common | kRightFdRead;
  return common | kRightFdWrite | kRightFdSync | kRightFdDatasync;
}

ErrnoOr<size_t> StdioStream::Read(PendingCall&, std::span<uint8_t> buf) {
  if (!input_) return Errno::kBadf;
  return input_->ReadInto(buf);
}

ErrnoOr<size_t> StdioStream::Write(PendingCall&, std::span<const uint8_t> buf) {
  if (!output_) return Errno::kBadf;
  if (Errno e = output_->Write(buf); e != Errno::kSuccess) return e;
  return buf.size();
}

ErrnoOr<FileStat> StdioStream::Stat(PendingCall&) {
  FileStat st;
  st.type = Filetype::kCharacterDevice;
  st.nlink = 1;
  return st;
}

kernel::Ref<kernel::KernelObject> StdioStream::kernel_object() const {
  if (input_) return input_;
  return output_->console();
}

}  // namespace shoal::wasi
