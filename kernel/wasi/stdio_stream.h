// StdioStream: a process's stdin, stdout or stderr as a FileObject.
#pragma once

#include <memory>

#include "kernel/wasi/file_object.h"
#include "kernel/wasi/stdio_sink.h"

namespace shoal::wasi {

// A character-device-like stream: stdin reads from an InputSource, stdout
// and stderr write to an OutputSink. Seeking fails with ESPIPE.
class StdioStream : public FileObject {
 public:
  static std::shared_ptr<StdioStream> ForInput(std::shared_ptr<InputSource> source);
  static std::shared_ptr<StdioStream> ForOutput(std::shared_ptr<OutputSink> sink);

  Filetype type() const override { return Filetype::kCharacterDevice; }
  Rights max_rights() const override;
  ErrnoOr<size_t> Read(std::span<uint8_t> buf) override;
  ErrnoOr<size_t> Write(std::span<const uint8_t> buf) override;
  ErrnoOr<FileStat> Stat() override;
  int poll_fd() const override { return source_ ? source_->poll_fd() : -1; }

 private:
  StdioStream(std::shared_ptr<InputSource> source, std::shared_ptr<OutputSink> sink)
      : source_(std::move(source)), sink_(std::move(sink)) {}
  std::shared_ptr<InputSource> source_;  // Null for output streams.
  std::shared_ptr<OutputSink> sink_;     // Null for input streams.
};

}  // namespace shoal::wasi
