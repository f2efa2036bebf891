// IoCompletion: how a reactor operation ended, as a Status plus the errno.
#pragma once

#include <cerrno>
#include <cstdint>

#include "kernel/base/result.h"

namespace shoal::kernel {

// Maps a positive errno to the Status a kernel call reports for it. Errnos
// without a closer match (EIO, ENOSPC, EBADF, ECANCELED, ...) give kIoError:
// the errno in IoCompletion keeps the detail for the WASI layer.
Status StatusFromErrno(int error);

// The outcome of one reactor operation, passed to its callback exactly once.
struct IoCompletion {
  // On success: bytes transferred (Read, Write), the ready events (Poll:
  // POLLIN, ...), or 0 (Fsync, Timeout expiry). 0 on failure.
  int32_t result = 0;
  // 0 on success, else a positive errno: ECANCELED when Cancel() or the
  // reactor's shutdown ended the operation first.
  int error = 0;
  Status status = Status::kOk;  // StatusFromErrno(error); kOk on success.

  bool ok() const { return error == 0; }
  bool cancelled() const { return error == ECANCELED; }

  // From an io_uring CQE result (negative errno on failure).
  static IoCompletion FromCqeResult(int32_t res);
  // For an error value, with a message naming `what`.
  Error ToError(const char* what) const;
};

}  // namespace shoal::kernel
