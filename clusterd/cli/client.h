// Client: how cluster subcommands reach shoald. Endpoint and credentials
// come from flags, then the environment (SHOAL_ENDPOINT, SHOAL_TOKEN,
// SHOAL_TOKEN_FILE, SHOAL_CA, SHOAL_INSECURE), then a TOML config file
// (--config, $SHOAL_CONFIG or ~/.config/shoal/config.toml with keys
// endpoint, token, token_file, ca, insecure), then the default endpoint
// 127.0.0.1:7400.
#pragma once

#include <grpcpp/grpcpp.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "proto/admin.grpc.pb.h"

namespace shoal::cli {

struct ClientOptions {
  std::string endpoint;
  std::string token;
  std::string token_file;
  std::string ca;
  std::string config;
  bool insecure = false;
  std::string output = "table";  // Or "json".
};

// Adds --endpoint, --token, --token-file, --ca, --insecure, --config and
// -o/--output to `app` (the root: they apply to every subcommand).
void AddClientOptions(CLI::App& app, ClientOptions& options);

class Client {
 public:
  // Resolves the options (see above). On failure prints why to stderr and
  // returns the exit code instead.
  static std::variant<std::unique_ptr<Client>, int> Connect(const ClientOptions& options,
                                                            const char* command);

  // A context carrying the token; with a timeout unless `timeout` is empty.
  std::unique_ptr<grpc::ClientContext> Context(
      std::optional<std::chrono::milliseconds> timeout = std::chrono::seconds(15)) const;
  shoal::admin::v1::Admin::Stub& admin() { return *stub_; }
  bool json() const { return json_; }

  // Prints "shoal COMMAND: <why, and what to do>" for a failed call and
  // returns the matching exit code.
  int Fail(const grpc::Status& status) const;

  const char* command() const { return command_; }

 private:
  Client() = default;
  std::string endpoint_;
  std::string ca_;  // The CA file used; empty: the system's roots.
  std::string token_;
  bool json_ = false;
  const char* command_ = "";
  // The channel to shoald: whether it is connected tells a daemon that
  // answered UNAVAILABLE (a node it needed is gone) from one not reached.
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<shoal::admin::v1::Admin::Stub> stub_;
};

// Prints `message` as JSON (proto3 JSON mapping: 64-bit numbers are strings)
// on stdout, one object per line.
void PrintJson(const google::protobuf::Message& message);

}  // namespace shoal::cli
