// What the File and Directory proxies share: a call whose failure is an errno.
// Internal to kernel/object.
#pragma once

#include <string>

#include "kernel/object/errno_result.h"
#include "kernel/object/file.h"
#include "kernel/object/object_client.h"

namespace shoal::kernel {

// The errno a failure without one (a server-side handle check, a broken
// connection) stands for.
int ErrnoFromStatus(Status status);

// Sends `request`; `read` turns a successful response into an ErrnoResult<T>.
// A failed response yields its hostErrno, or ErrnoFromStatus of its status.
template <typename T, typename Fn>
ErrnoResult<T> FsCall(ObjectClient& client, capnp::MessageBuilder& request, Fn&& read) {
  Result<ErrnoResult<T>> outcome =
      client.CallRaw(request, [&](proto::ObjectResponse::Reader r) -> Result<ErrnoResult<T>> {
        uint8_t status = r.getStatus();
        if (status == uint8_t(Status::kOk)) return read(r);
        if (r.getHostErrno() > 0) return ErrnoResult<T>::Fail(r.getHostErrno());
        if (status > uint8_t(Status::kInternal)) return ErrnoResult<T>::Fail(EIO);
        return ErrnoResult<T>::Fail(ErrnoFromStatus(Status(status)));
      });
  if (!outcome.ok()) return HostError{ErrnoFromStatus(outcome.error().status)};
  return std::move(outcome).value();
}

FileAttr AttrFromWire(proto::FileAttr::Reader in);

}  // namespace shoal::kernel
