#include "kernel/remote/tls_stream.h"

#include <kj/debug.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <climits>
#include <vector>

namespace shoal::kernel::remote {
namespace {

// Pieces up to this size are gathered before they are encrypted, so that a
// message's segment table and small segments share one record (16 KiB, the
// most a TLS record carries) instead of costing a record and a cipher call
// each.
constexpr size_t kGatherBytes = 16 * 1024;

// A large write is encrypted and handed to the socket this much at a time,
// with an event-loop turn between batches, so that the socket carries one
// batch (and the peer decrypts it) while the next is encrypted.
constexpr size_t kBatchBytes = 64 * 1024;

using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;

BioPtr ReadOnlyBio(const std::string& pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), int(pem.size())), &BIO_free);
}

// Every certificate in `pem`, in order.
std::vector<X509*> ReadCertificates(const std::string& pem) {
  BioPtr bio = ReadOnlyBio(pem);
  std::vector<X509*> certificates;
  while (X509* certificate = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    certificates.push_back(certificate);
  }
  ERR_clear_error();  // The read past the last one fails, as it must.
  return certificates;
}

}  // namespace

std::string OpenSslErrors() {
  std::string reasons;
  while (unsigned long code = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(code);
    if (!reasons.empty()) reasons += "; ";
    reasons += reason != nullptr ? reason : "error " + std::to_string(code);
  }
  return reasons;
}

// --- TlsContext ---

Result<std::unique_ptr<TlsContext>> TlsContext::Create(const std::string& certificate,
                                                       const std::string& private_key,
                                                       const std::string& ca) {
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(TLS_method());
  if (ctx == nullptr) return MakeError(Status::kNoMemory, "no TLS context: " + OpenSslErrors());
  std::unique_ptr<TlsContext> context(new TlsContext(ctx));
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
  // No resumption: every connection proves its certificate afresh, and the
  // tickets would be bytes for nothing.
  SSL_CTX_set_num_tickets(ctx, 0);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  // FAIL_IF_NO_PEER_CERT applies to servers only: clients always get one.
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);

  std::vector<X509*> chain = ReadCertificates(certificate);
  if (chain.empty()) return MakeError(Status::kInvalidArgs, "the certificate holds no PEM");
  bool used = SSL_CTX_use_certificate(ctx, chain[0]) == 1;
  X509_free(chain[0]);
  for (size_t i = 1; i < chain.size(); ++i) {
    if (SSL_CTX_add0_chain_cert(ctx, chain[i]) != 1) X509_free(chain[i]);
  }
  if (!used) return MakeError(Status::kInvalidArgs, "the certificate: " + OpenSslErrors());

  BioPtr key_bio = ReadOnlyBio(private_key);
  EVP_PKEY* key = PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr);
  bool key_used = key != nullptr && SSL_CTX_use_PrivateKey(ctx, key) == 1 &&
                  SSL_CTX_check_private_key(ctx) == 1;
  EVP_PKEY_free(key);
  if (!key_used) return MakeError(Status::kInvalidArgs, "the private key: " + OpenSslErrors());

  // A context starts with an empty store; the system's is never loaded.
  std::vector<X509*> authorities = ReadCertificates(ca);
  if (authorities.empty()) return MakeError(Status::kInvalidArgs, "the CA holds no PEM");
  bool trusted = true;
  for (X509* authority : authorities) {
    trusted = X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), authority) == 1 && trusted;
    X509_free(authority);
  }
  if (!trusted) return MakeError(Status::kInvalidArgs, "the CA: " + OpenSslErrors());
  return context;
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

// --- TlsStream ---

TlsStream::TlsStream(const TlsContext& context, kj::Own<kj::AsyncIoStream> inner, Role role)
    : inner_(kj::mv(inner)),
      ssl_(SSL_new(context.get())),
      in_(BIO_new(BIO_s_mem())),
      out_(BIO_new(BIO_s_mem())),
      ciphertext_(kj::heapArray<kj::byte>(kCiphertextReadBytes)),
      sent_(kj::Promise<void>(kj::READY_NOW).fork()) {
  KJ_ASSERT(ssl_ != nullptr && in_ != nullptr && out_ != nullptr, "out of memory for TLS");
  // An empty read BIO means "more is coming" until the socket ends.
  BIO_set_mem_eof_return(in_, -1);
  SSL_set_bio(ssl_, in_, out_);
  if (role == Role::kClient) {
    SSL_set_connect_state(ssl_);
  } else {
    SSL_set_accept_state(ssl_);
  }
}

TlsStream::~TlsStream() noexcept(false) { SSL_free(ssl_); }

kj::Promise<kj::Own<TlsStream>> TlsStream::Connect(const TlsContext& context,
                                                   kj::Own<kj::AsyncIoStream> inner,
                                                   const std::string& server_name) {
  auto stream = kj::heap<TlsStream>(context, kj::mv(inner), Role::kClient);
  // SSL_set1_host makes the name part of verifying the chain, so a
  // certificate that does not prove it fails the handshake.
  if (SSL_set_tlsext_host_name(stream->ssl_, server_name.c_str()) != 1 ||
      SSL_set1_host(stream->ssl_, server_name.c_str()) != 1) {
    return KJ_EXCEPTION(FAILED, "not a TLS server name", server_name, OpenSslErrors());
  }
  TlsStream& ref = *stream;
  return ref.Handshake().then([stream = kj::mv(stream)]() mutable { return kj::mv(stream); });
}

kj::Promise<kj::Own<TlsStream>> TlsStream::Accept(const TlsContext& context,
                                                  kj::Own<kj::AsyncIoStream> inner) {
  auto stream = kj::heap<TlsStream>(context, kj::mv(inner), Role::kServer);
  TlsStream& ref = *stream;
  return ref.Handshake().then([stream = kj::mv(stream)]() mutable { return kj::mv(stream); });
}

std::optional<std::string> TlsStream::PeerCommonName() const {
  X509* certificate = SSL_get0_peer_certificate(ssl_);
  if (certificate == nullptr) return std::nullopt;
  X509_NAME* subject = X509_get_subject_name(certificate);
  int at = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (at < 0) return "";
  unsigned char* utf8 = nullptr;
  int size = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, at)));
  if (size < 0) return "";
  std::string name(reinterpret_cast<const char*>(utf8), size_t(size));
  OPENSSL_free(utf8);
  return name;
}

bool TlsStream::PeerProvesHostname(const std::string& name) const {
  X509* certificate = SSL_get0_peer_certificate(ssl_);
  return certificate != nullptr &&
         X509_check_host(certificate, name.data(), name.size(), 0, nullptr) == 1;
}

kj::Promise<void> TlsStream::Handshake() {
  ERR_clear_error();
  int result = SSL_do_handshake(ssl_);
  if (result == 1) return Flush();
  if (SSL_get_error(ssl_, result) != SSL_ERROR_WANT_READ) {
    kj::Exception failure = Failure(result, "TLS handshake");
    // The alert that tells the peer why goes first, as far as it can.
    return Flush().then(
        [failure]() mutable -> kj::Promise<void> { return kj::mv(failure); },
        [failure](kj::Exception&&) mutable -> kj::Promise<void> { return kj::mv(failure); });
  }
  return Flush().then([this] { return ReadCiphertext(); }).then([this] { return Handshake(); });
}

kj::Promise<size_t> TlsStream::tryRead(void* buffer, size_t min_bytes, size_t max_bytes) {
  return ReadPlain(static_cast<kj::byte*>(buffer), min_bytes, max_bytes, 0);
}

kj::Promise<size_t> TlsStream::ReadPlain(kj::byte* out, size_t min_bytes, size_t max_bytes,
                                         size_t done) {
  while (done < max_bytes && !plain_ended_) {
    ERR_clear_error();
    int got = SSL_read(ssl_, out + done, int(std::min<size_t>(max_bytes - done, INT_MAX)));
    if (got > 0) {
      done += size_t(got);
      continue;
    }
    int error = SSL_get_error(ssl_, got);
    if (error == SSL_ERROR_ZERO_RETURN) {
      plain_ended_ = true;
    } else if (error != SSL_ERROR_WANT_READ) {
      kj::Exception failure = Failure(got, "TLS read");
      (void)Flush();  // The alert, if OpenSSL made one.
      return kj::mv(failure);
    }
    break;
  }
  // Reading can make OpenSSL answer (a key update); it goes out in order.
  if (BIO_ctrl_pending(out_) > 0) (void)Flush();
  if (done >= min_bytes || plain_ended_) return done;
  return ReadCiphertext().then([this, out, min_bytes, max_bytes, done] {
    return ReadPlain(out, min_bytes, max_bytes, done);
  });
}

kj::Promise<void> TlsStream::ReadCiphertext() {
  if (socket_ended_) {
    return KJ_EXCEPTION(DISCONNECTED, "the TLS peer closed the connection mid-record");
  }
  return inner_->tryRead(ciphertext_.begin(), 1, ciphertext_.size()).then([this](size_t got) {
    if (got == 0) {
      // From now on an empty read BIO is the end, and OpenSSL tells a
      // close_notify (a clean end) from a cut-off stream.
      socket_ended_ = true;
      BIO_set_mem_eof_return(in_, 0);
      return;
    }
    KJ_ASSERT(BIO_write(in_, ciphertext_.begin(), int(got)) == int(got), "out of memory for TLS");
  });
}

kj::Promise<void> TlsStream::write(const void* buffer, size_t size) {
  // The one piece lives as long as the write, which encrypts in batches.
  auto piece = kj::heap<kj::ArrayPtr<const kj::byte>>(static_cast<const kj::byte*>(buffer), size);
  kj::Promise<void> written = write(kj::arrayPtr(piece.get(), 1));
  return written.attach(kj::mv(piece));
}

kj::Promise<void> TlsStream::write(kj::ArrayPtr<const kj::ArrayPtr<const kj::byte>> pieces) {
  if (write_shut_) return KJ_EXCEPTION(FAILED, "write after shutdownWrite");
  return WriteFrom(pieces, 0, 0);
}

kj::Promise<void> TlsStream::WriteFrom(kj::ArrayPtr<const kj::ArrayPtr<const kj::byte>> pieces,
                                       size_t index, size_t offset) {
  KJ_IF_MAYBE (failure, kj::runCatchingExceptions([&] {
                 std::vector<kj::byte> gathered;
                 size_t batch = 0;
                 while (index < pieces.size() && batch < kBatchBytes) {
                   const kj::byte* data = pieces[index].begin() + offset;
                   size_t size = std::min(pieces[index].size() - offset, kBatchBytes - batch);
                   batch += size;
                   offset += size;
                   if (offset == pieces[index].size()) {
                     ++index;
                     offset = 0;
                   }
                   if (gathered.size() + size > kGatherBytes) {
                     Encrypt(gathered.data(), gathered.size());
                     gathered.clear();
                   }
                   if (size > kGatherBytes) {
                     Encrypt(data, size);
                   } else {
                     gathered.insert(gathered.end(), data, data + size);
                   }
                 }
                 Encrypt(gathered.data(), gathered.size());
               })) {
    // The stream is broken: this write and every later one fail, after
    // what was already queued.
    sent_ = sent_.addBranch()
                .then([failure = kj::cp(*failure)]() mutable {
                  return kj::Promise<void>(kj::mv(failure));
                })
                .fork();
    return Flush();
  }
  kj::Promise<void> flushed = Flush();
  if (index == pieces.size()) return flushed;
  // The batch just queued fails or succeeds with the ones after it (sent_
  // keeps their order), so only the last one's promise matters.
  return kj::evalLater([this, pieces, index, offset] { return WriteFrom(pieces, index, offset); });
}

void TlsStream::Encrypt(const kj::byte* data, size_t size) {
  while (size > 0) {
    ERR_clear_error();
    int wrote = SSL_write(ssl_, data, int(std::min<size_t>(size, INT_MAX)));
    if (wrote <= 0) kj::throwFatalException(Failure(wrote, "TLS write"));
    data += wrote;
    size -= size_t(wrote);
  }
}

kj::Promise<void> TlsStream::Flush() {
  size_t pending = BIO_ctrl_pending(out_);
  if (pending > 0) {
    auto bytes = kj::heapArray<kj::byte>(pending);
    KJ_ASSERT(BIO_read(out_, bytes.begin(), int(pending)) == int(pending));
    sent_ = sent_.addBranch()
                .then([this, bytes = kj::mv(bytes)]() mutable {
                  kj::Promise<void> written = inner_->write(bytes.begin(), bytes.size());
                  return written.attach(kj::mv(bytes));
                })
                .fork();
  }
  return sent_.addBranch();
}

kj::Exception TlsStream::Failure(int result, const char* what) {
  int error = SSL_get_error(ssl_, result);
  std::string reasons = OpenSslErrors();
  long verified = SSL_get_verify_result(ssl_);
  if (verified != X509_V_OK) {
    reasons += std::string(reasons.empty() ? "" : " ") + "(" +
               X509_verify_cert_error_string(verified) + ")";
  }
  if (socket_ended_ && (error == SSL_ERROR_SYSCALL || error == SSL_ERROR_SSL) &&
      verified == X509_V_OK && (reasons.empty() || reasons.find("unexpected eof") == 0)) {
    return KJ_EXCEPTION(DISCONNECTED, kj::str(what,
                                              ": the peer closed the connection without "
                                              "close_notify (the stream is cut off)"));
  }
  if (reasons.empty()) reasons = "OpenSSL error " + std::to_string(error);
  return KJ_EXCEPTION(FAILED, kj::str(what, ": ", reasons.c_str()));
}

kj::Promise<void> TlsStream::whenWriteDisconnected() { return inner_->whenWriteDisconnected(); }

void TlsStream::shutdownWrite() {
  if (write_shut_) return;
  write_shut_ = true;
  ERR_clear_error();
  // 0 (ours sent, the peer's not yet) is all a half-close needs.
  (void)SSL_shutdown(ssl_);
  shutdown_ =
      Flush().then([this] { inner_->shutdownWrite(); }).eagerlyEvaluate([](kj::Exception&&) {
        // The write that failed reports it to its own caller.
      });
}

void TlsStream::abortRead() { inner_->abortRead(); }

void TlsStream::getsockopt(int level, int option, void* value, kj::uint* length) {
  inner_->getsockopt(level, option, value, length);
}

void TlsStream::setsockopt(int level, int option, const void* value, kj::uint length) {
  inner_->setsockopt(level, option, value, length);
}

void TlsStream::getsockname(struct sockaddr* addr, kj::uint* length) {
  inner_->getsockname(addr, length);
}

void TlsStream::getpeername(struct sockaddr* addr, kj::uint* length) {
  inner_->getpeername(addr, length);
}

}  // namespace shoal::kernel::remote
