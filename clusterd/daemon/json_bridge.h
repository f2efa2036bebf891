// JsonBridge: calls any method of the Admin API by name with a request in
// protobuf's JSON mapping and answers JSON, for the dashboard
// (docs/dashboard.md, "The bridge"). It is generic: the method, its request
// and response types come from the descriptors compiled from
// proto/admin.proto, so a method added there is bridged without code here,
// and the calls go through the real gRPC server (an in-process channel),
// where the token is checked as for any client.
//
// Threading: Call() blocks its thread for the whole call (a Watch stream
// can last hours); run it on a thread of its own, never on the dashboard's
// event loop. Cancel() may come from any thread.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace shoal::clusterd {

// How a method's messages flow, as the bridge serves it.
enum class CallShape {
  kUnary,         // One JSON response.
  kServerStream,  // NDJSON: {"result": ...} per message, {"error": ...} last on failure.
  kNotBridged,    // Client streaming (Restore): refused with UNIMPLEMENTED.
};

// The JSON body of a failed call: {"code": N, "status": "NAME", "message": "..."}.
std::string StatusJson(const grpc::Status& status);
// The HTTP status for a gRPC code (the mapping of grpc-gateway, so tools
// that know it read ours): 404 NOT_FOUND, 401 UNAUTHENTICATED, ...
int HttpStatusFor(grpc::StatusCode code);

// One call through the bridge; its events go to the callbacks on the
// calling thread.
class BridgeCall {
 public:
  struct Callbacks {
    // A response message as JSON (no trailing newline). Return false to stop
    // the call (the client went away).
    std::function<bool(std::string json)> message;
    // Nothing arrived for `keepalive`: return false to stop the call. Lets a
    // quiet stream notice a client that left.
    std::function<bool()> idle;
    // The end: OK, the server's error, or why the bridge refused the call
    // (an unknown method, a body that is not the request's JSON).
    std::function<void(const grpc::Status& status)> done;
  };

  // Shape of `method` ("ListNodes") of the service, or nullopt for no such
  // method.
  static std::optional<CallShape> ShapeOf(std::string_view method);

  BridgeCall() = default;
  BridgeCall(const BridgeCall&) = delete;
  BridgeCall& operator=(const BridgeCall&) = delete;

  // Calls `method` with `json_body` (empty: the default request) over
  // `channel`, with `token` as the bearer (empty: none). Blocks until the
  // call ends; Callbacks::done runs exactly once, last.
  void Run(grpc::Channel& channel, std::string_view method, std::string_view json_body,
           const std::string& token, std::chrono::milliseconds keepalive,
           const Callbacks& callbacks);

  // Ends the call from any thread (the client disconnected, the daemon
  // stops); Run() then returns soon with CANCELLED.
  void Cancel() { context_.TryCancel(); }

 private:
  grpc::ClientContext context_;
};

}  // namespace shoal::clusterd
