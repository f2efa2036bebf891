// Node certificates for tests and benchmarks of the data plane, minted by
// the cluster's own tool, deploy/gen-certs (openssl), so that tests check
// the certificates real clusters use.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "kernel/base/result.h"
#include "kernel/remote/transport.h"

namespace shoal::kernel::remote {

// A fresh cluster CA and one certificate per name in `names`, read into
// memory (the temporary directory gen-certs wrote them to is removed).
// Each call makes a new CA, so two calls give two clusters that do not
// trust each other. kIoError when gen-certs fails (openssl missing). Takes
// about 0.1 s: a test that needs many pairs should mint once.
Result<std::map<std::string, TlsIdentity>> MintTestCertificates(
    const std::vector<std::string>& names);

}  // namespace shoal::kernel::remote
