#include "clusterd/daemon/admin_service.h"

#include <spdlog/spdlog.h>

#include <future>
#include <thread>

#include "clusterd/daemon/forwarding.h"
#include "clusterd/daemon/proto_convert.h"

namespace shoal::clusterd {
namespace {

namespace pb = shoal::admin::v1;
using Clock = std::chrono::steady_clock;
// How often a Wait whose host stopped answering looks the process up again.
constexpr auto kRelocatePause = std::chrono::milliseconds(200);
// How long a follower looks for a process that left the node it streamed
// from (a migration) before it gives up.
constexpr auto kRelocateTimeout = std::chrono::seconds(5);

}  // namespace

grpc::Status AdminService::UnknownNode(const std::string& name) const {
  std::string known;
  for (const Member& x : p_.registry.Members()) known += (known.empty() ? "" : ", ") + x.name;
  return grpc::Status(grpc::StatusCode::NOT_FOUND,
                      "unknown node '" + name + "' (known nodes: " + known + ")");
}

grpc::Status AdminService::Reachable(const std::string& name, Member* member) const {
  std::optional<Member> m = p_.registry.FindByName(name);
  if (!m) return UnknownNode(name);
  if (m->state == MemberState::kDead) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        "node '" + name + "' is dead; `shoal nodes` shows the live ones");
  }
  *member = std::move(*m);
  return grpc::Status::OK;
}

bool AdminService::IsUp(const std::string& name) const {
  std::optional<Member> m = p_.registry.FindByName(name);
  return m && m->state == MemberState::kUp;
}

grpc::Status AdminService::Find(uint64_t pid, Location* where) const {
  *where = p_.directory.Locate(pid);
  if (where->kind == Location::Kind::kUnknown) {
    return grpc::Status(
        grpc::StatusCode::NOT_FOUND,
        "no process " + std::to_string(pid) + " in the cluster; `shoal ps` lists processes");
  }
  return grpc::Status::OK;
}

grpc::Status AdminService::AtProcess(Ctx* context, uint64_t pid,
                                     const std::function<grpc::Status(const Location&)>& call) {
  Clock::time_point patience = Clock::now() + kRelocateTimeout;
  for (;;) {
    Location where;
    if (grpc::Status s = Find(pid, &where); !s.ok()) return s;
    grpc::Status status = call(where);
    if (status.error_code() != grpc::StatusCode::NOT_FOUND || Clock::now() > patience ||
        context->IsCancelled()) {
      return status;
    }
    std::this_thread::sleep_for(kRelocatePause);
  }
}

grpc::Status AdminService::ListNodes(Ctx* context, const pb::ListNodesRequest*,
                                     pb::ListNodesResponse* response) {
  return Guard(context, "ListNodes", [&] {
    for (const Member& m : p_.registry.Members()) *response->add_nodes() = ToProto(m);
    return grpc::Status::OK;
  });
}

grpc::Status AdminService::GetNode(Ctx* context, const pb::GetNodeRequest* request,
                                   pb::Node* response) {
  return Guard(context, "GetNode", [&] {
    std::optional<Member> m = p_.registry.FindByName(request->name());
    if (!m) return UnknownNode(request->name());
    *response = ToProto(*m);
    return grpc::Status::OK;
  });
}

void AdminService::ListAll(pb::ListProcessesResponse* response) {
  p_.local.List(response);
  response->clear_pending_pids();  // One node's answer only.
  auto answers = AskEveryPeer<pb::ListProcessesResponse>(
      p_.registry, p_.peers,
      [](shoal::peer::v1::Peer::Stub& stub, grpc::ClientContext& context,
         pb::ListProcessesResponse* r) { return stub.ListProcesses(&context, {}, r); });
  for (auto& answer : answers) {
    if (!answer.status.ok()) {
      response->add_unreachable_nodes(answer.node);
      continue;
    }
    for (pb::Process& p : *answer.response.mutable_processes()) {
      *response->add_processes() = std::move(p);
    }
  }
}

grpc::Status AdminService::ListProcesses(Ctx* context, const pb::ListProcessesRequest* request,
                                         pb::ListProcessesResponse* response) {
  return Guard(context, "ListProcesses", [&] {
    const std::string& node = request->node();
    if (node.empty()) {
      ListAll(response);
    } else if (node == p_.local.self()) {
      p_.local.List(response);
    } else {
      std::optional<Member> m = p_.registry.FindByName(node);
      if (!m) return UnknownNode(node);
      if (m->state != MemberState::kDead) {
        grpc::ClientContext forward;
        InheritDeadline(*context, forward, false);
        grpc::Status s = p_.peers.For(m->peer_address)->ListProcesses(&forward, *request, response);
        if (!s.ok()) response->add_unreachable_nodes(node);
      }
    }
    for (const LostProcess& l : p_.directory.Lost()) {
      if (!node.empty() && l.node != node) continue;
      pb::Process* p = response->add_processes();
      p->set_pid(l.pid);
      p->set_node(l.node);
      p->set_state(pb::PROCESS_STATE_LOST);
      p->set_ended_unix_ms(l.lost_unix_ms);
      p->mutable_exit()->set_kind(pb::EXIT_KIND_LOST);
      p->mutable_exit()->set_message("node " + l.node + " died or restarted while it ran");
    }
    return grpc::Status::OK;
  });
}

grpc::Status AdminService::Spawn(Ctx* context, const pb::SpawnRequest* request,
                                 pb::SpawnResponse* response) {
  return Guard(context, "Spawn", [&] {
    if (request->node().empty() || request->node() == p_.local.self()) {
      return p_.local.Spawn(*request, response);
    }
    Member m;
    if (grpc::Status s = Reachable(request->node(), &m); !s.ok()) return s;
    grpc::ClientContext forward;
    InheritDeadline(*context, forward, false);
    return Relayed(p_.peers.For(m.peer_address)->Spawn(&forward, *request, response), m.name);
  });
}

grpc::Status AdminService::Kill(Ctx* context, const pb::KillRequest* request,
                                pb::KillResponse* response) {
  return Guard(context, "Kill", [&] {
    return AtProcess(context, request->pid(), [&](const Location& where) {
      if (where.kind == Location::Kind::kHere) return p_.local.Kill(request->pid(), response);
      if (where.kind == Location::Kind::kLost) {
        return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                            "process " + std::to_string(request->pid()) + " was lost: node " +
                                where.node + " died or restarted while it ran");
      }
      Member m;
      if (grpc::Status s = Reachable(where.node, &m); !s.ok()) return s;
      grpc::ClientContext forward;
      InheritDeadline(*context, forward, false);
      return Relayed(p_.peers.For(m.peer_address)->Kill(&forward, *request, response), m.name);
    });
  });
}

grpc::Status AdminService::Wait(Ctx* context, const pb::WaitRequest* request,
                                pb::WaitResponse* response) {
  return Guard(context, "Wait", [&] {
    return AtProcess(context, request->pid(), [&](const Location& found) {
      return WaitAt(context, found, *request, response);
    });
  });
}

grpc::Status AdminService::WaitAt(Ctx* context, Location where, const pb::WaitRequest& request,
                                  pb::WaitResponse* response) {
  // Forward; if the host stops answering, keep locating the process until
  // it answers again or the failure detector declares it dead (then the
  // process is lost), the deadline passes or the client cancels.
  for (;;) {
    if (where.kind == Location::Kind::kHere) {
      return p_.local.Wait(context, request.pid(), response);
    }
    if (where.kind == Location::Kind::kLost) {
      response->set_pid(request.pid());
      response->set_node(where.node);
      response->mutable_exit()->set_kind(pb::EXIT_KIND_LOST);
      response->mutable_exit()->set_message("node " + where.node +
                                            " died or restarted while it ran");
      return grpc::Status::OK;
    }
    Member m;
    if (grpc::Status s = Reachable(where.node, &m); !s.ok()) return s;
    grpc::ClientContext forward;
    InheritDeadline(*context, forward, true);
    // Fail fast on a broken connection: this loop does the waiting.
    forward.set_wait_for_ready(false);
    grpc::Status status = p_.peers.For(m.peer_address)->Wait(&forward, request, response);
    if (status.error_code() != grpc::StatusCode::UNAVAILABLE) return Relayed(status, m.name);
    do {
      if (context->IsCancelled() || std::chrono::system_clock::now() > context->deadline()) {
        return Relayed(status, m.name);
      }
      std::this_thread::sleep_for(kRelocatePause);
      if (grpc::Status s = Find(request.pid(), &where); !s.ok()) return s;
    } while (where.kind == Location::Kind::kThere && where.node == m.name && !IsUp(m.name));
  }
}

grpc::Status AdminService::LogsFrom(Ctx* context, const Location& where,
                                    const pb::LogsRequest& request, const LogWriter& write) {
  if (where.kind == Location::Kind::kHere) return p_.local.Logs(context, request, write);
  if (where.kind == Location::Kind::kLost) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        "the output of process " + std::to_string(request.pid()) + " was on node " +
                            where.node + ", which died or restarted");
  }
  Member m;
  if (grpc::Status s = Reachable(where.node, &m); !s.ok()) return s;
  grpc::ClientContext forward;
  InheritDeadline(*context, forward, true);
  // Cancel the forwarded stream when our client goes away: Read() below
  // would otherwise wait for the next chunk to notice.
  std::atomic<bool> done{false};
  std::thread watcher([&] {
    while (!done) {
      if (context->IsCancelled()) {
        forward.TryCancel();
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  auto reader = p_.peers.For(m.peer_address)->Logs(&forward, request);
  pb::LogChunk chunk;
  while (reader->Read(&chunk)) {
    if (!write(chunk)) {
      forward.TryCancel();
      break;
    }
  }
  grpc::Status status = reader->Finish();
  done = true;
  watcher.join();
  return Relayed(status, m.name);
}

grpc::Status AdminService::Logs(Ctx* context, const pb::LogsRequest* request,
                                grpc::ServerWriter<pb::LogChunk>* writer) {
  return Guard(context, "Logs", [&] {
    // A follower follows the process from node to node as it migrates:
    // when a stream ends, the process is located again, and if it runs
    // elsewhere now the stream goes on there from the next offset (the
    // destination's log continues the source's, so nothing is lost or
    // repeated).
    pb::LogsRequest next = *request;
    auto write = [&](const pb::LogChunk& chunk) {
      next.set_offset(chunk.offset() + chunk.data().size());
      return writer->Write(chunk);
    };
    Location where;
    if (grpc::Status s = Find(request->pid(), &where); !s.ok()) return s;
    Clock::time_point patience = Clock::now() + kRelocateTimeout;
    for (;;) {
      uint64_t offset_before = next.offset();
      grpc::Status status = LogsFrom(context, where, next, write);
      // NOT_FOUND: it left that node (LocalProcesses::Logs says so when a
      // process it streamed moved away), or is not there yet. Where to?
      // Heartbeats may lag a moment behind a move, and it may even have
      // come back to the same node: ask again until the output goes on.
      if (!request->follow() || status.error_code() != grpc::StatusCode::NOT_FOUND ||
          context->IsCancelled()) {
        return status;
      }
      if (next.offset() != offset_before) patience = Clock::now() + kRelocateTimeout;
      if (Clock::now() > patience) {
        spdlog::warn("logs of pid {}: it left node {} and was not found elsewhere", request->pid(),
                     where.node);
        return status;
      }
      Location now;
      if (!Find(request->pid(), &now).ok() || now.node == where.node) {
        std::this_thread::sleep_for(kRelocatePause);
        if (!Find(request->pid(), &now).ok()) continue;
      }
      if (now.node != where.node) {
        spdlog::info("logs of pid {} follow it from node {} to node {}", request->pid(), where.node,
                     now.node);
      }
      where = now;
    }
  });
}

grpc::Status AdminService::Migrate(Ctx* context, const pb::MigrateRequest* request,
                                   grpc::ServerWriter<pb::MigrateProgress>* writer) {
  return Guard(context, "Migrate", [&] {
    Member destination;
    if (grpc::Status s = Reachable(request->to_node(), &destination); !s.ok()) return s;
    // Right after an earlier move this node's view may lag behind (the
    // heartbeats of both nodes tell it within moments): a node that says
    // "not here" is asked again once the view has changed.
    return AtProcess(context, request->pid(), [&](const Location& where) {
      return MigrateFrom(context, where, *request, writer);
    });
  });
}

grpc::Status AdminService::MigrateFrom(Ctx* context, const Location& where,
                                       const pb::MigrateRequest& request,
                                       grpc::ServerWriter<pb::MigrateProgress>* writer) {
  if (where.kind == Location::Kind::kHere) return p_.local.Migrate(request, writer);
  if (where.kind == Location::Kind::kLost) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "process " + std::to_string(request.pid()) +
                                                         " was lost with node " + where.node);
  }
  Member m;
  if (grpc::Status s = Reachable(where.node, &m); !s.ok()) return s;
  grpc::ClientContext forward;
  InheritDeadline(*context, forward, true);
  auto reader = p_.peers.For(m.peer_address)->Migrate(&forward, request);
  pb::MigrateProgress progress;
  while (reader->Read(&progress)) {
    if (!writer->Write(progress)) {
      forward.TryCancel();
      break;
    }
  }
  return Relayed(reader->Finish(), m.name);
}

grpc::Status AdminService::Checkpoint(Ctx* context, const pb::CheckpointRequest* request,
                                      grpc::ServerWriter<pb::ImageChunk>* writer) {
  return Guard(context, "Checkpoint", [&] {
    return AtProcess(context, request->pid(), [&](const Location& where) {
      if (where.kind == Location::Kind::kHere) return p_.local.Checkpoint(*request, writer);
      if (where.kind == Location::Kind::kLost) {
        return grpc::Status(
            grpc::StatusCode::NOT_FOUND,
            "process " + std::to_string(request->pid()) + " was lost with node " + where.node);
      }
      Member m;
      if (grpc::Status s = Reachable(where.node, &m); !s.ok()) return s;
      grpc::ClientContext forward;
      InheritDeadline(*context, forward, true);
      auto reader = p_.peers.For(m.peer_address)->Checkpoint(&forward, *request);
      pb::ImageChunk chunk;
      while (reader->Read(&chunk)) {
        if (!writer->Write(chunk)) {
          forward.TryCancel();
          break;
        }
      }
      return Relayed(reader->Finish(), m.name);
    });
  });
}

grpc::Status AdminService::Restore(Ctx* context, grpc::ServerReader<pb::RestoreChunk>* reader,
                                   pb::SpawnResponse* response) {
  return Guard(context, "Restore", [&] {
    std::string node;
    std::string image;
    if (grpc::Status s = ReadImage(*reader, &node, &image); !s.ok()) return s;
    if (node.empty() || node == p_.local.self()) {
      return p_.local.Restore({reinterpret_cast<const uint8_t*>(image.data()), image.size()},
                              response);
    }
    Member m;
    if (grpc::Status s = Reachable(node, &m); !s.ok()) return s;
    grpc::ClientContext forward;
    InheritDeadline(*context, forward, true);
    auto writer = p_.peers.For(m.peer_address)->Restore(&forward, response);
    constexpr size_t kChunk = 1 << 20;
    for (size_t at = 0; at < image.size(); at += kChunk) {
      pb::RestoreChunk chunk;
      chunk.set_data(image.substr(at, kChunk));
      if (!writer->Write(chunk)) break;
    }
    writer->WritesDone();
    return Relayed(writer->Finish(), m.name);
  });
}

grpc::Status AdminService::Watch(Ctx* context, const pb::WatchRequest* request,
                                 grpc::ServerWriter<pb::Event>* writer) {
  return Guard(context, "Watch", [&] {
    uint64_t after = p_.events.last_seq();
    if (request->after_seq() > after) {
      return grpc::Status(grpc::StatusCode::OUT_OF_RANGE,
                          "cursor " + std::to_string(request->after_seq()) +
                              " is past this node's newest event (" + std::to_string(after) +
                              "): it is another node's, or this node restarted; watch without "
                              "a cursor");
    }
    // Without a cursor the watch starts now; --after 0 replays all it holds.
    if (request->has_after_seq()) after = request->after_seq();
    // Tells the client the watch is in place: events from now on reach it.
    writer->SendInitialMetadata();
    while (!context->IsCancelled()) {
      for (const pb::Event& e :
           p_.events.ReadAfter(after, Clock::now() + std::chrono::milliseconds(250))) {
        if (!writer->Write(e)) return grpc::Status::OK;
        after = e.seq();
      }
    }
    return grpc::Status::OK;
  });
}

}  // namespace shoal::clusterd
