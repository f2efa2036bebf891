#include "clusterd/daemon/json_bridge.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/generic/generic_stub.h>

#include <nlohmann/json.hpp>

namespace shoal::clusterd {
namespace {

namespace protobuf = google::protobuf;

constexpr std::string_view kService = "shoal.admin.v1.Admin";

const protobuf::MethodDescriptor* FindMethod(std::string_view method) {
  const protobuf::ServiceDescriptor* service =
      protobuf::DescriptorPool::generated_pool()->FindServiceByName(std::string(kService));
  if (service == nullptr) return nullptr;  // admin.proto is not linked in.
  return service->FindMethodByName(std::string(method));
}

const char* CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK: return "OK";
    case grpc::StatusCode::CANCELLED: return "CANCELLED";
    case grpc::StatusCode::UNKNOWN: return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND: return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS: return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED: return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION: return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED: return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE: return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED: return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL: return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE: return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS: return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED: return "UNAUTHENTICATED";
    default: return "UNKNOWN";
  }
}

std::unique_ptr<protobuf::Message> NewMessage(const protobuf::Descriptor* type) {
  const protobuf::Message* prototype =
      protobuf::MessageFactory::generated_factory()->GetPrototype(type);
  return std::unique_ptr<protobuf::Message>(prototype->New());
}

grpc::ByteBuffer Serialize(const protobuf::Message& message) {
  std::string bytes = message.SerializeAsString();
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

// The response in `buffer` as JSON; nullopt when it does not parse as `type`.
std::optional<std::string> ToJson(const grpc::ByteBuffer& buffer, const protobuf::Descriptor* type) {
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok()) return std::nullopt;
  std::string bytes;
  for (const grpc::Slice& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  std::unique_ptr<protobuf::Message> message = NewMessage(type);
  if (!message->ParseFromString(bytes)) return std::nullopt;
  protobuf::util::JsonPrintOptions options;
  // The page reads every field; proto3 would omit zeros and falses.
  options.always_print_primitive_fields = true;
  std::string json;
  if (!protobuf::util::MessageToJsonString(*message, &json, options).ok()) return std::nullopt;
  return json;
}

// Waits for the completion queue's next event, calling `idle` every
// `keepalive` while nothing comes. False when the queue or `idle` says stop.
bool Next(grpc::CompletionQueue& cq, std::chrono::milliseconds keepalive,
          const std::function<bool()>& idle, bool& ok, BridgeCall& call) {
  for (;;) {
    void* tag = nullptr;
    auto deadline = std::chrono::system_clock::now() + keepalive;
    switch (cq.AsyncNext(&tag, &ok, deadline)) {
      case grpc::CompletionQueue::GOT_EVENT: return true;
      case grpc::CompletionQueue::SHUTDOWN: return false;
      case grpc::CompletionQueue::TIMEOUT:
        // A client that left is noticed here; the pending operation then
        // completes (cancelled) on the next turn.
        if (idle && !idle()) call.Cancel();
        break;
    }
  }
}

}  // namespace

std::string StatusJson(const grpc::Status& status) {
  nlohmann::json body = {{"code", int(status.error_code())},
                         {"status", CodeName(status.error_code())},
                         {"message", status.error_message()}};
  return body.dump();
}

int HttpStatusFor(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK: return 200;
    case grpc::StatusCode::CANCELLED: return 499;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE: return 400;
    case grpc::StatusCode::DEADLINE_EXCEEDED: return 504;
    case grpc::StatusCode::NOT_FOUND: return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED: return 409;
    case grpc::StatusCode::PERMISSION_DENIED: return 403;
    case grpc::StatusCode::UNAUTHENTICATED: return 401;
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return 429;
    case grpc::StatusCode::UNIMPLEMENTED: return 501;
    case grpc::StatusCode::UNAVAILABLE: return 503;
    default: return 500;
  }
}

std::optional<CallShape> BridgeCall::ShapeOf(std::string_view method) {
  const protobuf::MethodDescriptor* m = FindMethod(method);
  if (m == nullptr) return std::nullopt;
  if (m->client_streaming()) return CallShape::kNotBridged;
  return m->server_streaming() ? CallShape::kServerStream : CallShape::kUnary;
}

void BridgeCall::Run(grpc::Channel& channel, std::string_view method, std::string_view json_body,
                     const std::string& token, std::chrono::milliseconds keepalive,
                     const Callbacks& callbacks) {
  const protobuf::MethodDescriptor* m = FindMethod(method);
  if (m == nullptr) {
    callbacks.done(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                                "no method '" + std::string(method) + "' in " + std::string(kService)));
    return;
  }
  if (m->client_streaming()) {
    callbacks.done(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                                std::string(kService) + "." + m->name() +
                                    " streams its request and is not served over HTTP; use the "
                                    "shoal CLI or gRPC"));
    return;
  }
  std::unique_ptr<protobuf::Message> request = NewMessage(m->input_type());
  if (!json_body.empty()) {
    protobuf::util::JsonParseOptions options;  // Unknown fields are errors: typos show.
    auto parsed = protobuf::util::JsonStringToMessage(
        protobuf::StringPiece(json_body.data(), json_body.size()), request.get(), options);
    if (!parsed.ok()) {
      callbacks.done(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                  "the body is not a " + m->input_type()->full_name() +
                                      " in JSON: " + std::string(parsed.message())));
      return;
    }
  }
  if (!token.empty()) context_.AddMetadata("authorization", "Bearer " + token);

  // One generic streaming call serves both shapes: a unary method reads one
  // request and answers one message, which is what goes over the wire.
  grpc::GenericStub stub(std::shared_ptr<grpc::Channel>(&channel, [](grpc::Channel*) {}));
  grpc::CompletionQueue cq;
  std::string path = "/" + std::string(kService) + "/" + m->name();
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> stream =
      stub.PrepareCall(&context_, path, &cq);
  bool ok = false;
  bool alive = true;
  auto step = [&] { return Next(cq, keepalive, callbacks.idle, ok, *this); };

  stream->StartCall(nullptr);
  alive = step() && ok;
  if (alive) {
    grpc::WriteOptions last;
    last.set_last_message();
    stream->Write(Serialize(*request), last, nullptr);
    alive = step() && ok;
  }
  // A call that failed to start or to send learns why from Finish.
  std::optional<grpc::Status> bridge_error;
  while (alive) {
    grpc::ByteBuffer buffer;
    stream->Read(&buffer, nullptr);
    if (!step() || !ok) break;  // The server ended the stream.
    std::optional<std::string> json = ToJson(buffer, m->output_type());
    if (!json) {
      bridge_error = grpc::Status(grpc::StatusCode::INTERNAL,
                                  "a " + m->output_type()->full_name() + " that does not decode");
      context_.TryCancel();
      break;
    }
    if (!callbacks.message(std::move(*json))) context_.TryCancel();
  }
  grpc::Status status;
  stream->Finish(&status, nullptr);
  step();
  cq.Shutdown();
  void* tag = nullptr;
  while (cq.Next(&tag, &ok)) {
  }
  callbacks.done(bridge_error ? *bridge_error : status);
}

}  // namespace shoal::clusterd
