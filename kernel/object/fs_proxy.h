// What the File and Directory proxies share: a call whose failure is an errno.
// Internal to kernel/object.
#pragma once

#include <string>
#include <vector>

#include "kernel/base/await.h"
#include "kernel/object/errno_result.h"
#include "kernel/object/file.h"
#include "kernel/object/object_client.h"

namespace shoal::kernel {

// The errno a failure without one (a server-side handle check, a broken
// connection) stands for.
int ErrnoFromStatus(Status status);

// Decodes the answer to a file or directory request: `read` turns a
// successful response into an ErrnoResult<T>. A failed response yields its
// hostErrno, or ErrnoFromStatus of its status; a broken connection or
// malformed bytes, ErrnoFromStatus of that error.
template <typename T, typename Fn>
ErrnoResult<T> FsDecode(const Result<std::vector<uint8_t>>& response, Fn& read) {
  if (!response.ok()) return HostError{ErrnoFromStatus(response.error().status)};
  Result<ErrnoResult<T>> outcome = wire::ReadMessage<proto::ObjectResponse>(
      *response, [&](proto::ObjectResponse::Reader r) -> Result<ErrnoResult<T>> {
        uint8_t status = r.getStatus();
        if (status == uint8_t(Status::kOk)) return read(r);
        if (r.getHostErrno() > 0) return ErrnoResult<T>::Fail(r.getHostErrno());
        if (status > uint8_t(Status::kInternal)) return ErrnoResult<T>::Fail(EIO);
        return ErrnoResult<T>::Fail(ErrnoFromStatus(Status(status)));
      });
  if (!outcome.ok()) return HostError{ErrnoFromStatus(outcome.error().status)};
  return std::move(outcome).value();
}

// Sends `request` and passes the decoded answer to `done` when it arrives
// (for the asynchronous FileOps operations).
template <typename T, typename Fn, typename OnDone>
void FsCallAsync(ObjectClient& client, capnp::MessageBuilder& request, Fn read, OnDone done) {
  client.CallAsync(request, [read = std::move(read), done = std::move(done)](
                                Result<std::vector<uint8_t>> response) mutable {
    done(FsDecode<T>(response, read));
  });
}

// Sends `request` and blocks until its decoded answer is in.
template <typename T, typename Fn>
ErrnoResult<T> FsCall(ObjectClient& client, capnp::MessageBuilder& request, Fn read) {
  return Await<ErrnoResult<T>>(
      [&](auto done) { FsCallAsync<T>(client, request, std::move(read), std::move(done)); });
}

FileAttr AttrFromWire(proto::FileAttr::Reader in);

}  // namespace shoal::kernel
