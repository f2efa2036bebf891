// The page stream of a live migration (page_stream.h).
#include "migrate/page_stream.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <cstring>
#include <vector>

#include "kernel/base/little_endian.h"

namespace shoal::migrate {
namespace {

constexpr char kMagic[8] = {'S', 'H', 'O', 'A', 'L', 'P', 'G', '2'};
constexpr size_t kHeaderBytes = 16;

void Put32(uint8_t* at, uint32_t value) { StoreLittleEndian(at, value, 4); }
void Put64(uint8_t* at, uint64_t value) { StoreLittleEndian(at, value, 8); }
uint32_t Get32(const uint8_t* at) { return uint32_t(LoadLittleEndian(at, 4)); }
uint64_t Get64(const uint8_t* at) { return LoadLittleEndian(at, 8); }

Error Malformed(std::string what) {
  return MakeError(Status::kMalformed, "the page stream " + std::move(what));
}

// One frame's message: checked as the image decoder checks its own, and
// laid into `into`, its following runs read with `read`.
VoidResult ApplyFrame(uint32_t index, kj::ArrayPtr<const capnp::word> words, const ReadBytes& read,
                      StagedMemories& into) {
  try {
    capnp::ReaderOptions options;
    options.traversalLimitInWords = 2 * words.size() + (1 << 16);
    options.nestingLimit = 16;
    capnp::FlatArrayMessageReader reader(words, options);
    if (reader.getEnd() != words.end()) {
      return Malformed("sent a frame with bytes after its message");
    }
    return into.Apply(index, reader.getRoot<proto::image::Memory>(), &read);
  } catch (const kj::Exception& e) {
    return Malformed(std::string("sent pages that are not a memory batch: ") +
                     e.getDescription().cStr());
  } catch (const std::bad_alloc&) {
    return MakeError(Status::kNoMemory, "out of memory for the pages sent ahead");
  } catch (const std::exception& e) {
    // A thread that cannot start, say: the move fails, the node goes on.
    return MakeError(Status::kInternal, std::string("laying pages in failed: ") + e.what());
  }
}

}  // namespace

VoidResult ReceivePages(const ReadBytes& read, StagedMemories& into,
                        const std::function<void()>& on_batch) {
  kj::Array<capnp::word> words;  // Grown to the largest frame yet.
  for (;;) {
    uint8_t header[kHeaderBytes];
    TRY(read(header, sizeof header));
    const uint32_t kind = Get32(header);
    const uint32_t index = Get32(header + 4);
    const uint64_t size = Get64(header + 8);
    if (kind == kPageFrameEnd) {
      if (size != 0) return Malformed("ended with a frame that carries bytes");
      return Ok();
    }
    if (kind != kPageFramePages) {
      return Malformed("sent a frame of unknown kind " + std::to_string(kind));
    }
    if (size == 0 || size % sizeof(capnp::word) != 0 || size > kMaxPageFrameBytes) {
      return Malformed("sent a frame of " + std::to_string(size) + " bytes (whole words, at most " +
                       std::to_string(kMaxPageFrameBytes) + ")");
    }
    const size_t count = size / sizeof(capnp::word);
    if (words.size() < count) words = kj::heapArray<capnp::word>(count);
    TRY(read(words.begin(), size));
    TRY(ApplyFrame(index, kj::arrayPtr(words.begin(), count), read, into));
    if (on_batch) on_batch();
  }
}

// --- PageStreamSender ---

Result<std::unique_ptr<PageStreamSender>> PageStreamSender::Connect(
    const std::string& host, uint16_t port, const PageToken& token,
    const kernel::remote::TlsContext* tls, const std::string& peer,
    std::chrono::milliseconds connect_timeout) {
  Result<std::unique_ptr<kernel::remote::BlockingStream>> stream =
      kernel::remote::BlockingStream::Connect(host, port, tls, peer, connect_timeout);
  if (!stream.ok()) {
    Error error = std::move(stream).error();
    error.message = "cannot open the page stream to node " + peer + ": " + error.message;
    return error;
  }
  (*stream)->SetTimeout(kPageStreamStall);
  uint8_t hello[sizeof kMagic + sizeof(PageToken)];
  std::memcpy(hello, kMagic, sizeof kMagic);
  std::memcpy(hello + sizeof kMagic, token.data(), token.size());
  TRY((*stream)->Write(hello, sizeof hello));
  return std::unique_ptr<PageStreamSender>(new PageStreamSender(std::move(stream).value(), peer));
}

VoidResult PageStreamSender::WriteHeader(uint32_t kind, uint32_t index, uint64_t size) {
  uint8_t header[kHeaderBytes];
  Put32(header, kind);
  Put32(header + 4, index);
  Put64(header + 8, size);
  VoidResult written = stream_->Write(header, sizeof header);
  if (!written.ok()) return Refused(std::move(written).error());
  return Ok();
}

VoidResult PageStreamSender::Send(uint32_t index, const PageBatch& batch) {
  // The destination writes only its verdict: anything to read now is a
  // refusal, whose reason is worth more than sending on.
  if (stream_->Readable()) {
    return Refused(MakeError(Status::kPeerGone, "node " + peer_ + " ended the page stream"));
  }
  kj::ArrayPtr<const kj::ArrayPtr<const capnp::word>> segments =
      batch.message->getSegmentsForOutput();
  // Cap'n Proto's stream framing: the segment count less one, each
  // segment's size in words, padded to a whole word; then the segments,
  // written from where the builder holds them.
  std::vector<uint8_t> table(((segments.size() + 2) / 2) * sizeof(capnp::word));
  Put32(table.data(), uint32_t(segments.size() - 1));
  uint64_t size = table.size();
  for (size_t i = 0; i < segments.size(); ++i) {
    Put32(table.data() + 4 * (i + 1), uint32_t(segments[i].size()));
    size += segments[i].size() * sizeof(capnp::word);
  }
  TRY(WriteHeader(kPageFramePages, index, size));
  VoidResult written = stream_->Write(table.data(), table.size());
  for (size_t i = 0; written.ok() && i < segments.size(); ++i) {
    written = stream_->Write(segments[i].begin(), segments[i].size() * sizeof(capnp::word));
  }
  if (written.ok() && !batch.following.empty()) {
    written = stream_->Write(batch.following.data(), batch.following.size());
  }
  if (!written.ok()) return Refused(std::move(written).error());
  return Ok();
}

VoidResult PageStreamSender::Finish() {
  TRY(WriteHeader(kPageFrameEnd, 0, 0));
  std::optional<VoidResult> verdict = ReadVerdict();
  if (!verdict) {
    return MakeError(Status::kPeerGone, "node " + peer_ + " did not confirm the pages it took");
  }
  return *verdict;
}

std::optional<VoidResult> PageStreamSender::ReadVerdict() {
  uint8_t head[8];
  if (!stream_->Read(head, sizeof head).ok()) return std::nullopt;
  const uint32_t status = Get32(head);
  const uint32_t size = std::min(Get32(head + 4), kMaxVerdictBytes);
  if (status == uint32_t(Status::kOk)) return VoidResult(Ok());
  std::string message(size, '\0');
  if (!stream_->Read(message.data(), size).ok()) message = "(its reason was cut off)";
  // A status this build does not know is still a refusal.
  const Status why = status <= uint32_t(Status::kBadState) ? Status(status) : Status::kInternal;
  return VoidResult(MakeError(why, "node " + peer_ + " refused the pages: " + message));
}

Error PageStreamSender::Refused(Error broken) {
  std::optional<VoidResult> verdict = ReadVerdict();
  if (verdict && !verdict->ok()) return std::move(*verdict).error();
  broken.message = "the page stream to node " + peer_ + " broke: " + broken.message;
  return broken;
}

// --- PageStreamReceiver ---

Result<std::unique_ptr<PageStreamReceiver>> PageStreamReceiver::Start(Options options,
                                                                      StagedMemories& into) {
  std::unique_ptr<kernel::remote::BlockingListener> listener =
      TRY(kernel::remote::BlockingListener::Listen(options.host));
  std::unique_ptr<PageStreamReceiver> receiver(
      new PageStreamReceiver(std::move(options), into, std::move(listener)));
  if (RAND_bytes(receiver->token_.data(), int(receiver->token_.size())) != 1) {
    return MakeError(Status::kInternal, "no random bytes for a page stream's token");
  }
  receiver->thread_ = std::thread([r = receiver.get()] { r->Run(); });
  return receiver;
}

PageStreamReceiver::PageStreamReceiver(Options options, StagedMemories& into,
                                       std::unique_ptr<kernel::remote::BlockingListener> listener)
    : options_(std::move(options)), into_(into), listener_(std::move(listener)) {}

PageStreamReceiver::~PageStreamReceiver() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
    if (stream_ != nullptr) stream_->Shutdown();
  }
  listener_->Wake();
  if (thread_.joinable()) thread_.join();
}

std::optional<VoidResult> PageStreamReceiver::Verdict() {
  MutexLock lock(&mu_);
  return verdict_;
}

void PageStreamReceiver::Run() {
  VoidResult served = MakeError(Status::kInternal, "unset");
  try {
    served = Serve();
  } catch (const std::exception& e) {
    // Never out of the thread: that would end the whole node.
    served = MakeError(Status::kInternal, std::string("the page stream failed: ") + e.what());
  }
  MutexLock lock(&mu_);
  if (!verdict_) verdict_ = std::move(served);
}

VoidResult PageStreamReceiver::Serve() {
  const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  std::string refused;  // Why the last connection was not this move's source.
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    Result<int> fd = listener_->AcceptOne(std::max(left, std::chrono::milliseconds(0)));
    if (!fd.ok()) {
      if (fd.error().status != Status::kPeerGone || refused.empty()) return fd.error();
      return MakeError(Status::kPeerGone,
                       "no page stream came from node " + options_.peer +
                           " in time; the last connection was refused: " + refused);
    }
    std::unique_ptr<kernel::remote::BlockingStream> stream =
        TRY(kernel::remote::BlockingStream::Adopt(*fd, options_.tls, options_.peer,
                                                  options_.handshake_timeout));
    {
      // Before the handshake: a stop must not wait for a peer that hangs in it.
      MutexLock lock(&mu_);
      if (stopping_) return MakeError(Status::kBadState, "the move was dropped");
      stream_ = stream.get();
    }
    VoidResult opened = Open(*stream);
    if (!opened.ok()) {
      // Not this move's source (a stray connection, another node, a stale
      // move): it is told why, and the wait goes on for the real one.
      Reply(*stream, opened);
      Forget();
      refused = opened.error().message;
      continue;
    }
    stream->SetTimeout(options_.timeout);
    VoidResult received =
        ReceivePages([&stream](void* data, size_t size) { return stream->Read(data, size); }, into_,
                     options_.on_batch);
    // The verdict is recorded before it is sent: once the source reads it,
    // whatever it asks next finds the memories free.
    {
      MutexLock lock(&mu_);
      verdict_ = received;
    }
    Reply(*stream, received);
    Forget();
    return received;
  }
}

VoidResult PageStreamReceiver::Open(kernel::remote::BlockingStream& stream) {
  TRY(stream.Handshake());
  uint8_t hello[sizeof kMagic + sizeof(PageToken)];
  TRY(stream.Read(hello, sizeof hello));
  if (std::memcmp(hello, kMagic, sizeof kMagic) != 0) {
    // Another version of Shoal, most likely: a cluster runs one.
    return MakeError(Status::kNotSupported,
                     "a page stream from node " + options_.peer + " that does not begin '" +
                         std::string(kMagic, sizeof kMagic) + "' (another version?)");
  }
  if (CRYPTO_memcmp(hello + sizeof kMagic, token_.data(), token_.size()) != 0) {
    return MakeError(Status::kAccessDenied,
                     "a page stream from node " + options_.peer + " without this move's token");
  }
  return Ok();
}

void PageStreamReceiver::Reply(kernel::remote::BlockingStream& stream, const VoidResult& verdict) {
  const std::string message = verdict.ok() ? std::string() : verdict.error().message;
  std::vector<uint8_t> bytes(8 + std::min<size_t>(message.size(), kMaxVerdictBytes));
  Put32(bytes.data(), verdict.ok() ? uint32_t(Status::kOk) : uint32_t(verdict.error().status));
  Put32(bytes.data() + 4, uint32_t(bytes.size() - 8));
  std::memcpy(bytes.data() + 8, message.data(), bytes.size() - 8);
  if (!stream.Write(bytes.data(), bytes.size()).ok() || verdict.ok()) return;
  // A refusal may come while frames are still on their way: closing on
  // them would reset the connection, and the source could lose the reason.
  stream.Linger(kRefusalLinger);
}

void PageStreamReceiver::Forget() {
  MutexLock lock(&mu_);
  stream_ = nullptr;
}

}  // namespace shoal::migrate
