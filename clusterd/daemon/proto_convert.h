// Conversions between the daemon's types and the admin API's messages, and
// from Shoal's Status to gRPC status codes.
#pragma once

#include <grpcpp/grpcpp.h>

#include "clusterd/daemon/registry.h"
#include "clusterd/process_host.h"
#include "kernel/base/result.h"
#include "proto/admin.pb.h"

namespace shoal::clusterd {

shoal::admin::v1::ExitStatus ToProto(const ExitStatus& exit);
shoal::admin::v1::Process ToProto(const ProcessInfo& info, const std::string& node);
shoal::admin::v1::NodeLoad ToProto(const MemberLoad& load);
shoal::admin::v1::Node ToProto(const Member& member);
shoal::admin::v1::NodeState ToProto(MemberState state);

// kMalformed / kInvalid / kLinkError → INVALID_ARGUMENT, kNotFound →
// NOT_FOUND, and so on; the message is kept and prefixed with `context`.
grpc::Status ToGrpc(
    const Error& error, const std::string& context = "",
    shoal::admin::v1::Failure::Subject subject = shoal::admin::v1::Failure::SUBJECT_UNSPECIFIED);

}  // namespace shoal::clusterd
