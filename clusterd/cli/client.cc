#include "clusterd/cli/client.h"

#include <google/protobuf/util/json_util.h>
#include <signal.h>
#include <toml++/toml.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "clusterd/cli/exit_codes.h"

namespace shoal::cli {
namespace {

constexpr const char* kDefaultEndpoint = "127.0.0.1:7400";

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

// Fills options left empty by flags from the environment, then the file.
int Resolve(ClientOptions& o, const char* command) {
  if (o.endpoint.empty()) o.endpoint = Env("SHOAL_ENDPOINT");
  if (o.token.empty()) o.token = Env("SHOAL_TOKEN");
  if (o.token_file.empty()) o.token_file = Env("SHOAL_TOKEN_FILE");
  if (o.ca.empty()) o.ca = Env("SHOAL_CA");
  if (!o.insecure) {
    std::string v = Env("SHOAL_INSECURE");
    o.insecure = !v.empty() && v != "0";
  }
  std::string file = o.config.empty() ? Env("SHOAL_CONFIG") : o.config;
  bool explicit_file = !file.empty();
  if (file.empty() && !Env("HOME").empty()) file = Env("HOME") + "/.config/shoal/config.toml";
  if (!file.empty() && (explicit_file || std::ifstream(file).good())) {
    try {
      toml::table t = toml::parse_file(file);
      if (o.endpoint.empty()) o.endpoint = t["endpoint"].value_or(std::string());
      if (o.token.empty()) o.token = t["token"].value_or(std::string());
      if (o.token_file.empty()) o.token_file = t["token_file"].value_or(std::string());
      if (o.ca.empty()) o.ca = t["ca"].value_or(std::string());
      if (!o.insecure) o.insecure = t["insecure"].value_or(false);
    } catch (const toml::parse_error& e) {
      std::fprintf(stderr, "shoal %s: config %s: %s\n", command, file.c_str(),
                   std::string(e.description()).c_str());
      return kExitUsage;
    }
  }
  if (o.endpoint.empty()) o.endpoint = kDefaultEndpoint;
  if (o.token.empty() && !o.token_file.empty()) {
    if (!ReadFile(o.token_file, &o.token)) {
      std::fprintf(stderr, "shoal %s: cannot read token file %s\n", command, o.token_file.c_str());
      return kExitNoInput;
    }
    o.token = o.token.substr(0, o.token.find_first_of("\r\n"));
  }
  return 0;
}

// When sim/local-cluster runs a cluster (its pointer file names the
// cluster's dir and a shoald there is alive), the sentence that tells a
// user who forgot to load its exports how to; "" otherwise.
std::string LocalClusterHint() {
  std::string state = Env("XDG_STATE_HOME");
  if (state.empty() && !Env("HOME").empty()) state = Env("HOME") + "/.local/state";
  std::string dir, exports;
  if (state.empty() || !ReadFile(state + "/shoal/local-cluster", &dir)) return "";
  dir = dir.substr(0, dir.find_first_of("\r\n"));
  if (!ReadFile(dir + "/exports", &exports)) return "";
  std::error_code ignored;
  bool alive = false;
  for (const auto& node : std::filesystem::directory_iterator(dir, ignored)) {
    std::string pid;
    if (ReadFile((node.path() / "shoald.pid").string(), &pid) && std::atoi(pid.c_str()) > 0 &&
        ::kill(std::atoi(pid.c_str()), 0) == 0) {
      alive = true;
    }
  }
  if (!alive) return "";
  const std::string key = "SHOAL_ENDPOINT=";
  size_t at = exports.find(key);
  std::string endpoint =
      at == std::string::npos
          ? "?"
          : exports.substr(at + key.size(), exports.find('\n', at) - at - key.size());
  return "; a local cluster is running with its admin endpoint at " + endpoint +
         ": load its settings with eval \"$(sim/local-cluster env --dir " + dir + ")\"";
}

}  // namespace

void AddClientOptions(CLI::App& app, ClientOptions& o) {
  auto* g = "Cluster connection (also SHOAL_* environment variables)";
  app.add_option("--endpoint", o.endpoint, "shoald admin address (env SHOAL_ENDPOINT)")
      ->type_name("HOST:PORT")
      ->group(g);
  app.add_option("--token", o.token, "Admin bearer token (env SHOAL_TOKEN)")->group(g);
  app.add_option("--token-file", o.token_file, "File holding the token (env SHOAL_TOKEN_FILE)")
      ->group(g);
  app.add_option("--ca", o.ca, "PEM CA that signed the node certificates (env SHOAL_CA)")
      ->type_name("FILE")
      ->group(g);
  app.add_flag("--insecure", o.insecure,
               "Plaintext, for daemons run with --insecure-dev (env SHOAL_INSECURE=1)")
      ->group(g);
  app.add_option("--config", o.config,
                 "Client config TOML (env SHOAL_CONFIG; default ~/.config/shoal/config.toml)")
      ->type_name("FILE")
      ->group(g);
  app.add_option("-o,--output", o.output, "Output format: table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->group(g);
}

std::variant<std::unique_ptr<Client>, int> Client::Connect(const ClientOptions& options,
                                                           const char* command) {
  ClientOptions o = options;
  if (int code = Resolve(o, command)) return code;
  std::shared_ptr<grpc::ChannelCredentials> creds;
  if (o.insecure) {
    creds = grpc::InsecureChannelCredentials();
  } else {
    grpc::SslCredentialsOptions ssl;
    if (!o.ca.empty() && !ReadFile(o.ca, &ssl.pem_root_certs)) {
      std::fprintf(stderr, "shoal %s: cannot read CA file %s\n", command, o.ca.c_str());
      return kExitNoInput;
    }
    creds = grpc::SslCredentials(ssl);
  }
  std::unique_ptr<Client> client(new Client());
  client->endpoint_ = o.endpoint;
  client->ca_ = o.insecure ? "" : o.ca;
  client->token_ = o.token;
  client->json_ = o.output == "json";
  client->command_ = command;
  client->channel_ = grpc::CreateChannel(o.endpoint, creds);
  client->stub_ = shoal::admin::v1::Admin::NewStub(client->channel_);
  return client;
}

std::unique_ptr<grpc::ClientContext> Client::Context(
    std::optional<std::chrono::milliseconds> timeout) const {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!token_.empty()) context->AddMetadata("authorization", "Bearer " + token_);
  if (timeout) context->set_deadline(std::chrono::system_clock::now() + *timeout);
  return context;
}

int Client::Fail(const grpc::Status& status) const {
  std::string message = status.error_message();
  int code;
  shoal::admin::v1::Failure failure;
  if (!status.error_details().empty() && failure.ParseFromString(status.error_details()) &&
      failure.subject() != shoal::admin::v1::Failure::SUBJECT_UNSPECIFIED) {
    std::fprintf(stderr, "shoal %s: %s\n", command_, message.c_str());
    return ExitCodeForFailure(failure.subject(), static_cast<Status>(failure.kernel_status()));
  }
  code = ExitCodeForStatus(status.error_code(), message);
  switch (status.error_code()) {
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
      message = "not authorized: " + message;
      break;
    case grpc::StatusCode::UNAVAILABLE:
      if (message.find("andshake") != std::string::npos) {
        // TLS refused: say which CA was used and what to set.
        message = "TLS handshake with shoald at " + endpoint_ + " failed, checked against " +
                  (ca_.empty() ? std::string("the system's CA roots") : "the CA in " + ca_) + " (" +
                  message +
                  "); set --ca/SHOAL_CA to the CA that signed the node certificates "
                  "(sim/local-cluster: build/local-cluster/certs/ca.pem), or --insecure for an "
                  "--insecure-dev daemon";
      } else if (channel_->GetState(false) != GRPC_CHANNEL_READY) {
        message = "cannot reach shoald at " + endpoint_ + " (" + message +
                  "); is it running? Check --endpoint/SHOAL_ENDPOINT, and --ca/SHOAL_CA for TLS "
                  "or --insecure for an --insecure-dev daemon";
        if (endpoint_ == kDefaultEndpoint) message += LocalClusterHint();
      }
      break;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      message = "timed out: " + message;
      break;
    default:
      break;
  }
  std::fprintf(stderr, "shoal %s: %s\n", command_, message.c_str());
  return code;
}

void PrintJson(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  std::printf("%s\n", out.c_str());
}

}  // namespace shoal::cli
