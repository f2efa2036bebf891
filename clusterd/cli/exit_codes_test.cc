// The one mapping from failures to `shoal`'s exit codes (docs/cli.md). The
// rows a real cluster produces are tested end to end in
// tests/cluster/exit_codes_test.cc; these are the rows no healthy cluster
// gives on demand (70, 76) and the message-dependent ones.
#include "clusterd/cli/exit_codes.h"

#include <gtest/gtest.h>

namespace shoal::cli {
namespace {

namespace pb = shoal::admin::v1;

TEST(ExitCodeForStatus, EveryGrpcCodeHasItsRow) {
  EXPECT_EQ(ExitCodeForStatus(grpc::StatusCode::UNIMPLEMENTED, ""), 76);
  EXPECT_EQ(ExitCodeForStatus(grpc::StatusCode::INTERNAL, "boom"), 70);
  EXPECT_EQ(ExitCodeForStatus(grpc::StatusCode::UNKNOWN, ""), 70);
  EXPECT_EQ(ExitCodeForStatus(grpc::StatusCode::UNAUTHENTICATED, ""), 77);
  EXPECT_EQ(ExitCodeForStatus(grpc::StatusCode::PERMISSION_DENIED, ""), 77);
  EXPECT_EQ(ExitCodeForStatus(grpc::StatusCode::NOT_FOUND, ""), 79);
  EXPECT_EQ(ExitCodeForStatus(grpc::StatusCode::UNAVAILABLE, ""), 69);
  EXPECT_EQ(ExitCodeForStatus(grpc::StatusCode::DEADLINE_EXCEEDED, ""), 75);
  EXPECT_EQ(ExitCodeForStatus(grpc::StatusCode::ALREADY_EXISTS, ""), 73);
  EXPECT_EQ(ExitCodeForStatus(grpc::StatusCode::RESOURCE_EXHAUSTED, ""), 71);
  EXPECT_EQ(ExitCodeForStatus(grpc::StatusCode::OUT_OF_RANGE, ""), 64);
  EXPECT_EQ(ExitCodeForStatus(grpc::StatusCode::INVALID_ARGUMENT, ""), 65);
}

TEST(ExitCodeForStatus, FailedPreconditionSaysWhich) {
  EXPECT_EQ(ExitCodeForStatus(grpc::StatusCode::FAILED_PRECONDITION,
                              "process 4098 was lost: node node-c died"),
            80);
  EXPECT_EQ(ExitCodeForStatus(grpc::StatusCode::FAILED_PRECONDITION,
                              "process 4098 cannot move: it holds an open file"),
            81);
  EXPECT_EQ(ExitCodeForStatus(grpc::StatusCode::FAILED_PRECONDITION, "something else"), 70);
}

TEST(ExitCodeForFailure, WhatItDoesNotKnowIsInternal) {
  EXPECT_EQ(ExitCodeForFailure(pb::Failure::SUBJECT_SPAWN, Status::kMalformed), 65);
  EXPECT_EQ(ExitCodeForFailure(pb::Failure::SUBJECT_SPAWN, Status::kLinkError), 67);
  EXPECT_EQ(ExitCodeForFailure(pb::Failure::SUBJECT_SPAWN, Status::kPeerClosed), 70);
  EXPECT_EQ(ExitCodeForFailure(pb::Failure::SUBJECT_REMOTE_DIRECTORY, Status::kPeerGone), 69);
  EXPECT_EQ(ExitCodeForFailure(pb::Failure::SUBJECT_UNSPECIFIED, Status::kNotFound), 70);
}

}  // namespace
}  // namespace shoal::cli
