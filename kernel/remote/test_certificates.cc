#include "kernel/remote/test_certificates.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace shoal::kernel::remote {
namespace {

Result<std::string> ReadPem(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError(Status::kIoError, "deploy/gen-certs wrote no " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

Result<std::map<std::string, TlsIdentity>> MintTestCertificates(
    const std::vector<std::string>& names) {
  char dir_template[] = "/tmp/shoal-test-certs-XXXXXX";
  if (::mkdtemp(dir_template) == nullptr) {
    return MakeError(Status::kIoError, "cannot make a temporary directory for certificates");
  }
  const std::string dir = dir_template;
  std::string command = std::string(SHOAL_GEN_CERTS) + " " + dir;
  for (const std::string& name : names) command += " " + name;
  command += " 2>/dev/null";
  int status = std::system(command.c_str());
  std::map<std::string, TlsIdentity> out;
  Result<std::string> ca =
      status == 0
          ? ReadPem(dir + "/ca.pem")
          : Result<std::string>(MakeError(Status::kIoError, "deploy/gen-certs failed (status " +
                                                                std::to_string(status) + ")"));
  for (const std::string& name : names) {
    if (!ca.ok()) break;
    Result<std::string> certificate = ReadPem(dir + "/" + name + ".pem");
    Result<std::string> key = ReadPem(dir + "/" + name + ".key");
    if (!certificate.ok() || !key.ok()) {
      ca = MakeError(Status::kIoError, "deploy/gen-certs made no certificate for " + name);
      break;
    }
    out[name] = TlsIdentity{*certificate, *key, *ca};
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  if (!ca.ok()) return std::move(ca).error();
  return out;
}

}  // namespace shoal::kernel::remote
