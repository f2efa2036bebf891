#include "clusterd/daemon/proto_convert.h"

namespace shoal::clusterd {

namespace pb = shoal::admin::v1;

pb::ExitStatus ToProto(const ExitStatus& exit) {
  pb::ExitStatus out;
  switch (exit.reason) {
    case ExitReason::kReturned:
      out.set_kind(pb::EXIT_KIND_RETURNED);
      break;
    case ExitReason::kExited:
      out.set_kind(pb::EXIT_KIND_EXITED);
      break;
    case ExitReason::kTrapped:
      out.set_kind(pb::EXIT_KIND_TRAPPED);
      out.set_message("trap: " + exit.trap_message);
      break;
    case ExitReason::kOutOfFuel:
      out.set_kind(pb::EXIT_KIND_OUT_OF_FUEL);
      out.set_message("out of fuel");
      break;
    case ExitReason::kKilled:
      out.set_kind(pb::EXIT_KIND_KILLED);
      out.set_message("killed");
      break;
  }
  out.set_code(exit.code);
  return out;
}

pb::Process ToProto(const ProcessInfo& info, const std::string& node) {
  pb::Process out;
  out.set_pid(info.pid);
  out.set_node(node);
  out.set_state(info.running() ? pb::PROCESS_STATE_RUNNING : pb::PROCESS_STATE_EXITED);
  if (!info.args.empty()) out.set_name(info.args.front());
  for (const std::string& a : info.args) out.add_args(a);
  out.set_fuel_used(info.fuel_used);
  out.set_cpu_ns(info.cpu_ns);
  out.set_memory_bytes(info.memory_bytes);
  out.set_started_unix_ms(info.started_unix_ms);
  out.set_moves(info.moves);
  out.set_moved_from(info.moved_from);
  out.set_ended_unix_ms(info.ended_unix_ms);
  if (info.exit) *out.mutable_exit() = ToProto(*info.exit);
  return out;
}

pb::NodeState ToProto(MemberState state) {
  switch (state) {
    case MemberState::kUp:
      return pb::NODE_STATE_UP;
    case MemberState::kSuspect:
      return pb::NODE_STATE_SUSPECT;
    case MemberState::kDead:
      return pb::NODE_STATE_DEAD;
  }
  return pb::NODE_STATE_UNSPECIFIED;
}

pb::NodeLoad ToProto(const MemberLoad& load) {
  pb::NodeLoad out;
  out.set_workers(load.workers);
  out.set_busy_workers(load.busy_workers);
  out.set_run_queue(load.run_queue);
  out.set_cpu_permille(load.cpu_permille);
  out.set_memory_bytes(load.memory_bytes);
  out.set_memory_total_bytes(load.memory_total_bytes);
  return out;
}

pb::Node ToProto(const Member& m) {
  pb::Node out;
  out.set_name(m.name);
  out.set_node_id(m.node_id);
  out.set_peer_address(m.peer_address);
  out.set_admin_address(m.admin_address);
  out.set_data_address(m.data_address);
  for (const std::string& d : m.devices) out.add_devices(d);
  out.set_state(ToProto(m.state));
  uint32_t running = 0;
  for (const HostedProcess& p : m.processes) running += p.running;
  out.set_processes(running);
  out.set_incarnation(m.incarnation);
  out.set_last_heard_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - m.last_heard)
                            .count());
  out.set_self(m.self);
  *out.mutable_load() = ToProto(m.load);
  return out;
}

grpc::Status ToGrpc(const Error& error, const std::string& context, pb::Failure::Subject subject) {
  grpc::StatusCode code = grpc::StatusCode::INTERNAL;
  switch (error.status) {
    case Status::kMalformed:
    case Status::kInvalid:
    case Status::kLinkError:
    case Status::kInvalidArgs:
      code = grpc::StatusCode::INVALID_ARGUMENT;
      break;
    case Status::kNotFound:
      code = grpc::StatusCode::NOT_FOUND;
      break;
    case Status::kAlreadyExists:
      code = grpc::StatusCode::ALREADY_EXISTS;
      break;
    case Status::kShouldWait:
      code = grpc::StatusCode::DEADLINE_EXCEEDED;
      break;
    case Status::kIoError:
    case Status::kPeerGone:
      code = grpc::StatusCode::UNAVAILABLE;
      break;
    case Status::kNotSupported:
      code = grpc::StatusCode::UNIMPLEMENTED;
      break;
    case Status::kNoMemory:
      code = grpc::StatusCode::RESOURCE_EXHAUSTED;
      break;
    case Status::kBadState:
      code = grpc::StatusCode::FAILED_PRECONDITION;
      break;
    case Status::kAccessDenied:
      code = grpc::StatusCode::PERMISSION_DENIED;
      break;
    case Status::kOutOfBounds:
      code = grpc::StatusCode::OUT_OF_RANGE;
      break;
    default:
      break;
  }
  pb::Failure failure;
  failure.set_subject(subject);
  failure.set_kernel_status(static_cast<int32_t>(error.status));
  return grpc::Status(code, context.empty() ? error.message : context + ": " + error.message,
                      failure.SerializeAsString());
}

}  // namespace shoal::clusterd
