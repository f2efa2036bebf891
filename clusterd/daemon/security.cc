#include "clusterd/daemon/security.h"

#include <fstream>
#include <sstream>

namespace shoal::clusterd {
namespace {

Result<std::string> ReadWhole(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError(Status::kIoError, std::string("cannot read ") + what + " " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= a[i] ^ b[i];
  return diff == 0;
}

}  // namespace

Result<Credentials> LoadCredentials(const DaemonConfig& config) {
  Credentials creds;
  if (!config.token_file.empty()) {
    std::string text = TRY(ReadWhole(config.token_file, "token file"));
    creds.token = text.substr(0, text.find_first_of("\r\n"));
    if (creds.token.empty()) {
      return MakeError(Status::kInvalidArgs, "token file " + config.token_file + " is empty");
    }
  }
  if (config.insecure_dev) {
    creds.admin_server = grpc::InsecureServerCredentials();
    creds.peer_server = grpc::InsecureServerCredentials();
    creds.peer_client = grpc::InsecureChannelCredentials();
    return creds;
  }
  std::string cert = TRY(ReadWhole(config.tls_cert, "certificate"));
  std::string key = TRY(ReadWhole(config.tls_key, "private key"));
  std::string ca = TRY(ReadWhole(config.tls_ca, "CA certificate"));

  grpc::SslServerCredentialsOptions admin(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  admin.pem_key_cert_pairs.push_back({key, cert});
  creds.admin_server = grpc::SslServerCredentials(admin);

  grpc::SslServerCredentialsOptions peer(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  peer.pem_root_certs = ca;
  peer.pem_key_cert_pairs.push_back({key, cert});
  creds.peer_server = grpc::SslServerCredentials(peer);

  grpc::SslCredentialsOptions client;
  client.pem_root_certs = ca;
  client.pem_private_key = key;
  client.pem_cert_chain = cert;
  creds.peer_client = grpc::SslCredentials(client);
  creds.data_plane = kernel::remote::TlsIdentity{cert, key, ca};
  return creds;
}

bool AdminAuth::Accepts(std::string_view presented) const {
  return token_.empty() || ConstantTimeEquals(presented, token_);
}

grpc::Status AdminAuth::Check(const grpc::ServerContext& context) const {
  if (token_.empty()) return grpc::Status::OK;
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "missing 'authorization: Bearer <token>' metadata; set SHOAL_TOKEN or "
                        "--token (the token is in the file given to shoald's --token-file)");
  }
  std::string_view value(it->second.data(), it->second.size());
  constexpr std::string_view kBearer = "Bearer ";
  if (value.substr(0, kBearer.size()) != kBearer || !Accepts(value.substr(kBearer.size()))) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "the bearer token is not this cluster's token");
  }
  return grpc::Status::OK;
}

}  // namespace shoal::clusterd
