// kj-tls 0.9.2 (Debian 12) declares kj::TlsPeerIdentity::matchesHostname in
// kj/compat/tls.h, but its library does not define it: a call links with
// "undefined reference". The transport's server checks a client's name
// with it (transport.h), so this file supplies the definition, with the
// meaning the header documents: the certificate authenticates `hostname`
// as a TLS server name would be checked (DNS SANs, or the CN when there
// are none; OpenSSL's X509_check_host). Delete this file once the
// toolchain's kj defines the function itself.
#include <kj/compat/tls.h>
#include <openssl/x509v3.h>

namespace kj {

bool TlsPeerIdentity::matchesHostname(kj::StringPtr hostname) {
  if (cert == nullptr) return false;
  return X509_check_host(reinterpret_cast<X509*>(cert), hostname.begin(), hostname.size(), 0,
                         nullptr) == 1;
}

}  // namespace kj
