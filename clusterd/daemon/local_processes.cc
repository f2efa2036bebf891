#include "clusterd/daemon/local_processes.h"

#include <grpcpp/support/sync_stream.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "clusterd/daemon/migrator.h"
#include "clusterd/daemon/proto_convert.h"
#include "kernel/proc/kernel.h"

namespace shoal::clusterd {
namespace {

namespace pb = shoal::admin::v1;
using Clock = std::chrono::steady_clock;

// How long one wait inside Wait and Logs lasts before checking for
// cancellation again.
constexpr auto kPollInterval = std::chrono::milliseconds(250);
constexpr size_t kLogChunkBytes = 64 * 1024;
constexpr size_t kImageChunkBytes = 1 << 20;

grpc::Status NoProcess(uint64_t pid, const std::string& self) {
  return grpc::Status(grpc::StatusCode::NOT_FOUND,
                      "no process " + std::to_string(pid) + " on node " + self);
}

}  // namespace

grpc::Status LocalProcesses::Spawn(const pb::SpawnRequest& request, pb::SpawnResponse* response) {
  SpawnSpec spec;
  std::string default_name = "main.wasm";
  if (request.module_case() == pb::SpawnRequest::kModuleBytes) {
    spec.module_bytes.assign(request.module_bytes().begin(), request.module_bytes().end());
  } else if (request.module_case() == pb::SpawnRequest::kModulePath) {
    std::ifstream in(request.module_path(), std::ios::binary);
    if (!in) {
      pb::Failure failure;
      failure.set_subject(pb::Failure::SUBJECT_MODULE_FILE);
      return grpc::Status(grpc::StatusCode::NOT_FOUND,
                          "cannot read module " + request.module_path() + " on node " + self_ +
                              ": " + std::strerror(errno),
                          failure.SerializeAsString());
    }
    spec.module_bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    default_name = request.module_path();
  } else {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "give the module as module_bytes or module_path");
  }
  spec.args.assign(request.args().begin(), request.args().end());
  if (spec.args.empty()) spec.args.push_back(default_name);
  spec.env.assign(request.env().begin(), request.env().end());
  for (const pb::Preopen& p : request.preopens()) {
    wasi::Preopen preopen{
        p.host_path(), p.guest_path().empty() ? p.host_path() : p.guest_path(), {}};
    if (!p.node().empty() && p.node() != self_) {
      // Another node's directory: every operation on it goes to that node.
      if (!remote_) {
        return grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                            "node " + self_ + " cannot open directories of other nodes");
      }
      Result<kernel::HandleEntry> dir =
          remote_(p.node(), p.host_path(), Clock::now() + kRemoteDirectoryTimeout);
      if (!dir.ok()) {
        return ToGrpc(dir.error(),
                      "node " + self_ + " cannot preopen " + p.node() + ":" + p.host_path(),
                      pb::Failure::SUBJECT_REMOTE_DIRECTORY);
      }
      preopen.directory = std::move(dir).value();
      preopen.host_path = p.node() + ":" + p.host_path();
    }
    spec.preopens.push_back(std::move(preopen));
  }
  spec.fuel = request.fuel();
  Result<uint32_t> page_cap = kernel::MemoryCapPages(request.memory_bytes());
  if (!page_cap.ok()) return ToGrpc(page_cap.error());
  spec.page_cap = *page_cap;
  Result<uint64_t> pid = pids_.Next();
  if (!pid.ok()) return ToGrpc(pid.error(), "cannot allocate a pid on node " + self_);
  spec.pid = *pid;
  // argv[0] names the module in messages, as `shoal run` does locally.
  const std::string name = request.args().empty() ? default_name : request.args(0);
  VoidResult spawned = host_.Spawn(std::move(spec));
  if (!spawned.ok()) {
    return ToGrpc(spawned.error(), "cannot start " + name + " on node " + self_,
                  pb::Failure::SUBJECT_SPAWN);
  }
  spdlog::info("spawned pid {} ({})", *pid, name);
  response->set_pid(*pid);
  response->set_node(self_);
  return grpc::Status::OK;
}

grpc::Status ReadImage(grpc::ServerReaderInterface<pb::RestoreChunk>& reader, std::string* node,
                       std::string* image) {
  pb::RestoreChunk chunk;
  bool first = true;
  while (reader.Read(&chunk)) {
    if (first && node != nullptr) *node = chunk.node();
    first = false;
    if (image->size() + chunk.data().size() > kMaxImageBytes) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "the image is over the " + std::to_string(kMaxImageBytes >> 30) +
                              " GiB an image may have");
    }
    image->append(chunk.data());
  }
  if (image->empty()) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no image was sent");
  return grpc::Status::OK;
}

grpc::Status LocalProcesses::Checkpoint(const pb::CheckpointRequest& request,
                                        grpc::ServerWriter<pb::ImageChunk>* writer) {
  Result<std::vector<uint8_t>> image = host_.Checkpoint(request.pid(), request.stop());
  if (!image.ok()) {
    std::string context = "cannot checkpoint process " + std::to_string(request.pid());
    if (image.error().status == Status::kNotSupported) {
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                          context + ": " + image.error().message);
    }
    return ToGrpc(image.error(), context + " on node " + self_);
  }
  spdlog::info("checkpointed pid {} ({} bytes){}", request.pid(), image->size(),
               request.stop() ? ", stopped" : "");
  for (size_t at = 0; at < image->size(); at += kImageChunkBytes) {
    pb::ImageChunk chunk;
    chunk.set_data(image->data() + at, std::min(kImageChunkBytes, image->size() - at));
    if (!writer->Write(chunk)) return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
  }
  return grpc::Status::OK;
}

grpc::Status LocalProcesses::Restore(std::span<const uint8_t> image, pb::SpawnResponse* response) {
  Result<uint64_t> image_pid = host_.ImagePid(image);
  if (!image_pid.ok()) return ToGrpc(image_pid.error(), "cannot restore the image");
  uint64_t pid = *image_pid;
  std::optional<ProcessInfo> here = host_.Get(pid);
  bool taken = (here && here->running()) || (running_ && running_(pid));
  if (taken || (here && !here->running())) {
    // The original runs on, or its record is still kept here: a new pid.
    Result<uint64_t> fresh = pids_.Next();
    if (!fresh.ok()) return ToGrpc(fresh.error(), "cannot allocate a pid on node " + self_);
    pid = *fresh;
  }
  Result<uint64_t> restored = host_.Restore(image, pid);
  if (!restored.ok()) {
    return ToGrpc(restored.error(), "cannot restore the image on node " + self_);
  }
  spdlog::info("restored pid {} from an image of pid {}", pid, *image_pid);
  response->set_pid(pid);
  response->set_node(self_);
  return grpc::Status::OK;
}

grpc::Status LocalProcesses::Migrate(const pb::MigrateRequest& request,
                                     grpc::ServerWriter<pb::MigrateProgress>* writer) {
  if (migrator_ == nullptr) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        "node " + self_ + " does not move processes");
  }
  if (request.to_node() == self_) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        "cannot move process " + std::to_string(request.pid()) + ": it runs on " +
                            self_ + " already");
  }
  Result<pb::MigrateSummary> moved = migrator_->Migrate(
      request.pid(), request.to_node(), request,
      [writer](const pb::MigrateProgress& progress) { writer->Write(progress); });
  if (moved.ok()) return grpc::Status::OK;
  std::string context =
      "cannot move process " + std::to_string(request.pid()) + " to " + request.to_node();
  switch (moved.error().status) {
    case Status::kNotSupported:
    case Status::kExhausted:  // The freeze time asked for cannot be met.
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                          context + ": " + moved.error().message);
    case Status::kNotFound:
      return ToGrpc(moved.error(), context);
    default:
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, context + ": " + moved.error().message);
  }
}

void LocalProcesses::List(pb::ListProcessesResponse* response) const {
  for (const ProcessInfo& info : host_.List()) *response->add_processes() = ToProto(info, self_);
  for (uint64_t pid : host_.Pending()) response->add_pending_pids(pid);
}

grpc::Status LocalProcesses::Kill(uint64_t pid, pb::KillResponse* response) {
  Result<bool> killed = host_.Kill(pid);
  if (!killed.ok()) return NoProcess(pid, self_);
  if (*killed) spdlog::info("killing pid {}", pid);
  response->set_already_ended(!*killed);
  response->set_node(self_);
  return grpc::Status::OK;
}

grpc::Status LocalProcesses::Wait(grpc::ServerContext* context, uint64_t pid,
                                  pb::WaitResponse* response) {
  for (;;) {
    if (context->IsCancelled()) return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
    Result<ExitStatus> exit = host_.Wait(pid, Clock::now() + kPollInterval);
    if (exit.ok()) {
      response->set_pid(pid);
      response->set_node(self_);
      *response->mutable_exit() = ToProto(*exit);
      return grpc::Status::OK;
    }
    if (exit.error().status == Status::kNotFound) return NoProcess(pid, self_);
    if (std::chrono::system_clock::now() > context->deadline()) {
      return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                          "process " + std::to_string(pid) + " still runs");
    }
  }
}

grpc::Status LocalProcesses::Logs(grpc::ServerContext* context, const pb::LogsRequest& request,
                                  const LogWriter& write) {
  uint64_t offset = request.offset();
  for (;;) {
    if (context->IsCancelled()) return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
    Clock::time_point deadline = request.follow() ? Clock::now() + kPollInterval : Clock::now();
    Result<ConsoleRead> read = host_.ReadConsole(request.pid(), offset, kLogChunkBytes, deadline);
    if (!read.ok()) {
      if (read.error().status == Status::kNotFound) return NoProcess(request.pid(), self_);
      return ToGrpc(read.error(), "logs of process " + std::to_string(request.pid()));
    }
    for (const ConsoleChunk& c : read->chunks) {
      pb::LogChunk chunk;
      chunk.set_offset(c.offset);
      chunk.set_data(std::string(c.bytes.begin(), c.bytes.end()));
      chunk.set_stream(c.stream == ConsoleStream::kStdout ? pb::STREAM_KIND_STDOUT
                                                          : pb::STREAM_KIND_STDERR);
      if (!write(chunk)) return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
    }
    offset = read->next_offset;
    if (read->ended) {
      // A process that moved to another node has no entry here any more.
      if (!host_.Get(request.pid())) {
        return grpc::Status(grpc::StatusCode::NOT_FOUND,
                            "process " + std::to_string(request.pid()) + " left node " + self_);
      }
      return grpc::Status::OK;
    }
    if (!request.follow() && read->chunks.empty()) return grpc::Status::OK;
  }
}

}  // namespace shoal::clusterd
