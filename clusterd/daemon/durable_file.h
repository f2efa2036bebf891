// Small state files of the data directory (the pid reservation, the record
// of arrivals, the mounts) replaced whole so that a crash leaves the old
// contents or the new, never a torn file.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>

#include "kernel/base/result.h"

namespace shoal::clusterd {

// The kIoError for `what` failing on `path`, with errno's reason.
Error IoError(const std::filesystem::path& path, const char* what);

// Writes all of `text` to `fd` (retrying short writes and EINTR), at its
// position or, with `at` >= 0, at offset `at`; false on an error (errno
// says which).
bool WriteAll(int fd, const std::string& text, off_t at = -1);

// Replaces `file` with `text`: writes FILE.tmp, fsyncs it, renames it over
// `file` and fsyncs the directory, so the new contents are durable when it
// returns. kIoError naming the file and the system's reason.
VoidResult ReplaceFile(const std::filesystem::path& file, const std::string& text);

}  // namespace shoal::clusterd
