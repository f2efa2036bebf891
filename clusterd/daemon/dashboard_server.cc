#include "clusterd/daemon/dashboard_server.h"

#include <kj/compat/http.h>
#include <kj/compat/tls.h>
#include <spdlog/spdlog.h>

#include <deque>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "clusterd/daemon/dashboard_http.h"
#include "clusterd/daemon/json_bridge.h"
#include "kernel/base/thread_annotations.h"
#include "kernel/remote/loop.h"
#include "kernel/remote/names.h"

namespace shoal::clusterd {
namespace {

using kernel::remote::Loop;

// Spawn requests carry whole modules in base64.
constexpr uint64_t kMaxBodyBytes = 384ull << 20;
constexpr uint64_t kMaxLoginBytes = 4096;
// Lines a stream may hold before its call thread waits for the browser.
constexpr size_t kMaxQueuedLines = 64;

std::string Describe(const kj::Exception& e) { return e.getDescription().cStr(); }

// What one API call's thread and the loop share. The thread pushes the
// call's messages and its end; the loop takes them and writes them out.
struct CallPipe {
  Mutex mu;
  CondVar room;
  std::deque<std::string> lines GUARDED_BY(mu);       // Message JSON; "" for a keep-alive.
  std::optional<grpc::Status> status GUARDED_BY(mu);  // The call's end.
  bool closed GUARDED_BY(mu) = false;                 // The browser or the server went.
  kj::Own<const kj::CrossThreadPromiseFulfiller<void>> wake GUARDED_BY(mu);  // The loop waits.
  BridgeCall call;

  // Call thread. False once the loop side is closed.
  bool Push(std::string line) {
    MutexLock lock(&mu);
    while (lines.size() >= kMaxQueuedLines && !closed) room.Wait(mu);
    if (closed) return false;
    lines.push_back(std::move(line));
    WakeLocked();
    return true;
  }
  void Finish(const grpc::Status& end) {
    MutexLock lock(&mu);
    status = end;
    WakeLocked();
  }
  bool Closed() {
    MutexLock lock(&mu);
    return closed;
  }
  // Any thread: the loop side is gone; the call ends.
  void Close() {
    {
      MutexLock lock(&mu);
      closed = true;
      room.SignalAll();
    }
    call.Cancel();
  }

  // Loop thread: resolves once there is something to take.
  kj::Promise<void> News() {
    MutexLock lock(&mu);
    if (!lines.empty() || status) return kj::READY_NOW;
    auto paf = kj::newPromiseAndCrossThreadFulfiller<void>();
    wake = kj::mv(paf.fulfiller);
    return kj::mv(paf.promise);
  }
  std::deque<std::string> Take(std::optional<grpc::Status>& end) {
    MutexLock lock(&mu);
    std::deque<std::string> taken;
    taken.swap(lines);
    end = status;
    room.SignalAll();
    return taken;
  }

 private:
  void WakeLocked() REQUIRES(mu) {
    if (wake) {
      wake->fulfill();
      wake = nullptr;
    }
  }
};

}  // namespace

class DashboardServer::Impl final : public kj::HttpService {
 public:
  explicit Impl(DashboardOptions options) : options_(std::move(options)) {
    kj::HttpHeaderTable::Builder builder;
    cookie_ = builder.add("Cookie");
    authorization_ = builder.add("Authorization");
    set_cookie_ = builder.add("Set-Cookie");
    cache_control_ = builder.add("Cache-Control");
    nosniff_ = builder.add("X-Content-Type-Options");
    frame_options_ = builder.add("X-Frame-Options");
    referrer_ = builder.add("Referrer-Policy");
    headers_ = builder.build();
  }

  ~Impl() noexcept(false) {
    if (loop_) {
      // Connections and the exchanges on them go first: each closes its
      // call's pipe, which cancels the call.
      loop_->RunVoid([this] { serving_ = nullptr; });
      loop_->Stop();
    }
    std::set<std::shared_ptr<CallPipe>> pipes;
    {
      MutexLock lock(&mu_);
      pipes = pipes_;
    }
    for (const auto& pipe : pipes) pipe->Close();
    MutexLock lock(&mu_);
    while (!pipes_.empty()) calls_done_.Wait(mu_);
  }

  VoidResult Start() {
    if (!options_.tls && !kernel::remote::IsLoopbackAddress(options_.listen)) {
      return MakeError(Status::kInvalidArgs, "the dashboard without TLS listens only on loopback, "
                                             "and " + options_.listen + " is not");
    }
    loop_ = Loop::Start("dashboard");
    return loop_->RunAsync<VoidResult>([this] { return Listen(); });
  }

  const std::string& url() const { return url_; }

  kj::Promise<void> request(kj::HttpMethod method, kj::StringPtr url, const kj::HttpHeaders& headers,
                            kj::AsyncInputStream& body, Response& response) override {
    std::string target = url.cStr();
    std::string_view path = dashboard::PathOf(target);
    bool get = method == kj::HttpMethod::GET;
    bool post = method == kj::HttpMethod::POST;

    if (path == "/login" && post) return Login(body, response);
    if (path == "/logout" && post) return Logout(response);
    if (get && IsLoginPage(path)) {
      return ServeFile(path == "/login" ? "login.html" : std::string(path.substr(1)), response);
    }

    std::optional<std::string> token = Token(headers);
    bool authorized = token && options_.auth->Accepts(*token);
    std::optional<std::string> api = dashboard::ApiMethod(path);
    if (api) {
      if (!post) return SendJson(response, 405, Error(grpc::StatusCode::UNIMPLEMENTED,
                                                      "API calls are POST requests"));
      if (!authorized) {
        return SendJson(response, 401,
                        Error(grpc::StatusCode::UNAUTHENTICATED,
                              token ? "the token is not this cluster's token"
                                    : "log in first (POST /login) or send 'Authorization: "
                                      "Bearer TOKEN'"));
      }
      kj::StringPtr type = headers.get(kj::HttpHeaderId::CONTENT_TYPE).orDefault("");
      if (!std::string_view(type.cStr()).starts_with("application/json")) {
        return SendJson(response, 415, Error(grpc::StatusCode::INVALID_ARGUMENT,
                                             "API calls send Content-Type: application/json"));
      }
      // The bridge checks the token again, as the gRPC server does for any
      // client; without one required, none is sent.
      return Api(*api, token.value_or(""), body, response);
    }
    if (!get) return SendText(response, 405, "not allowed\n");
    if (!authorized) {
      kj::HttpHeaders out(*headers_);
      out.set(kj::HttpHeaderId::LOCATION, "/login");
      out.set(cache_control_, "no-store");
      response.send(302, "Found", out, uint64_t(0));
      return kj::READY_NOW;
    }
    std::optional<std::string> file = dashboard::StaticFile(target);
    if (!file) return SendText(response, 404, "no such file\n");
    return ServeFile(*file, response);
  }

 private:
  kj::Promise<VoidResult> Listen() {
    if (options_.tls) {
      KJ_IF_MAYBE (e, kj::runCatchingExceptions([&] {
                     key_ = kj::heap<kj::TlsPrivateKey>(
                         kj::StringPtr(options_.tls->private_key.c_str()));
                     cert_ = kj::heap<kj::TlsCertificate>(
                         kj::StringPtr(options_.tls->certificate.c_str()));
                     keypair_ = kj::heap<kj::TlsKeypair>(kj::TlsKeypair{*key_, *cert_});
                     kj::TlsContext::Options o;
                     o.useSystemTrustStore = false;
                     o.defaultKeypair = *keypair_;
                     o.timer = loop_->timer();
                     o.acceptTimeout = 10 * kj::SECONDS;
                     tls_ = kj::heap<kj::TlsContext>(kj::mv(o));
                   })) {
        return VoidResult(MakeError(Status::kInvalidArgs,
                                    "the dashboard cannot load the node's certificate or key: " +
                                        Describe(*e)));
      }
    }
    std::string listen = options_.listen;
    return loop_->io()
        .getNetwork()
        .parseAddress(listen)
        .then(
            [this, listen](kj::Own<kj::NetworkAddress> address) -> VoidResult {
              kj::Own<kj::ConnectionReceiver> receiver = address->listen();
              std::string host = listen.substr(0, listen.rfind(':'));
              url_ = std::string(options_.tls ? "https" : "http") + "://" + host + ":" +
                     std::to_string(receiver->getPort()) + "/";
              if (tls_) receiver = tls_->wrapPort(kj::mv(receiver));
              auto serving = kj::heap<Serving>();
              serving->receiver = kj::mv(receiver);
              serving->server = kj::heap<kj::HttpServer>(loop_->timer(), *headers_, *this);
              serving->listening = serving->server->listenHttp(*serving->receiver).eagerlyEvaluate(
                  [](kj::Exception&& e) {
                    spdlog::warn("dashboard: stopped accepting connections: {}", Describe(e));
                  });
              serving_ = kj::mv(serving);
              return Ok();
            },
            [listen](kj::Exception&& e) -> VoidResult {
              return MakeError(Status::kIoError,
                               "cannot listen on dashboard address " + listen + ": " + Describe(e));
            });
  }

  static bool IsLoginPage(std::string_view path) {
    if (path == "/login") return true;
    std::optional<std::string> file = dashboard::StaticFile(path);
    return file && file->starts_with("login") && file->find('/') == std::string::npos;
  }

  std::optional<std::string> Token(const kj::HttpHeaders& headers) const {
    KJ_IF_MAYBE (auth, headers.get(authorization_)) {
      if (auto token = dashboard::BearerToken(auth->cStr())) return token;
    }
    KJ_IF_MAYBE (cookie, headers.get(cookie_)) {
      return dashboard::CookieValue(cookie->cStr(), dashboard::kTokenCookie);
    }
    // Without a token to check, no request needs one (--insecure-dev).
    if (!options_.auth->required()) return std::string();
    return std::nullopt;
  }

  static std::string Error(grpc::StatusCode code, const std::string& message) {
    return StatusJson(grpc::Status(code, message));
  }

  kj::HttpHeaders BaseHeaders(std::string_view content_type) const {
    kj::HttpHeaders out(*headers_);
    out.set(kj::HttpHeaderId::CONTENT_TYPE, kj::heapString(content_type.data(), content_type.size()));
    out.set(cache_control_, "no-store");
    out.set(nosniff_, "nosniff");
    out.set(frame_options_, "DENY");
    out.set(referrer_, "no-referrer");
    return out;
  }

  kj::Promise<void> SendBody(Response& response, int status, const char* reason,
                             kj::HttpHeaders& headers, std::string body) {
    kj::Own<kj::AsyncOutputStream> out = response.send(status, reason, headers, body.size());
    if (body.empty()) return kj::READY_NOW;
    auto text = kj::heap<std::string>(std::move(body));
    auto write = out->write(text->data(), text->size());
    return write.attach(kj::mv(out), kj::mv(text));
  }

  kj::Promise<void> SendJson(Response& response, int status, std::string json) {
    kj::HttpHeaders out = BaseHeaders("application/json");
    json += '\n';
    return SendBody(response, status, ReasonFor(status), out, std::move(json));
  }

  kj::Promise<void> SendText(Response& response, int status, std::string text) {
    kj::HttpHeaders out = BaseHeaders("text/plain; charset=utf-8");
    return SendBody(response, status, ReasonFor(status), out, std::move(text));
  }

  static const char* ReasonFor(int status) {
    switch (status) {
      case 200: return "OK";
      case 204: return "No Content";
      case 400: return "Bad Request";
      case 401: return "Unauthorized";
      case 403: return "Forbidden";
      case 404: return "Not Found";
      case 405: return "Method Not Allowed";
      case 409: return "Conflict";
      case 413: return "Payload Too Large";
      case 415: return "Unsupported Media Type";
      case 429: return "Too Many Requests";
      case 499: return "Client Closed Request";
      case 501: return "Not Implemented";
      case 503: return "Service Unavailable";
      case 504: return "Gateway Timeout";
      default: return "Internal Server Error";
    }
  }

  kj::Promise<void> ServeFile(const std::string& file, Response& response) {
    std::ifstream in(options_.directory + "/" + file, std::ios::binary);
    if (!in) return SendText(response, 404, "no such file\n");
    std::stringstream contents;
    contents << in.rdbuf();
    kj::HttpHeaders out = BaseHeaders(dashboard::ContentTypeFor(file));
    return SendBody(response, 200, "OK", out, contents.str());
  }

  std::string CookieHeader(std::string_view value, bool clear) const {
    std::string cookie = std::string(dashboard::kTokenCookie) + "=" + std::string(value) +
                         "; HttpOnly; SameSite=Strict; Path=/";
    if (options_.tls) cookie += "; Secure";
    if (clear) cookie += "; Max-Age=0";
    return cookie;
  }

  kj::Promise<void> Login(kj::AsyncInputStream& body, Response& response) {
    return body.readAllText(kMaxLoginBytes)
        .then(
            [this, &response](kj::String text) -> kj::Promise<void> {
              std::optional<std::string> token = dashboard::LoginToken(text.cStr());
              if (!token) {
                return SendJson(response, 400, Error(grpc::StatusCode::INVALID_ARGUMENT,
                                                     "send {\"token\": \"...\"} as JSON"));
              }
              if (!options_.auth->Accepts(*token)) {
                spdlog::warn("dashboard: a login with a wrong token");
                return SendJson(response, 401,
                                Error(grpc::StatusCode::UNAUTHENTICATED,
                                      "that is not this cluster's token (it is in the file given "
                                      "to shoald's --token-file)"));
              }
              if (!dashboard::CookieSafe(*token) && options_.auth->required()) {
                return SendJson(response, 400,
                                Error(grpc::StatusCode::INVALID_ARGUMENT,
                                      "this token cannot be kept in a cookie; send it as an "
                                      "'Authorization: Bearer' header instead"));
              }
              kj::HttpHeaders out = BaseHeaders("text/plain");
              std::string cookie = CookieHeader(*token, false);
              out.set(set_cookie_, kj::heapString(cookie.c_str()));
              return SendBody(response, 204, "No Content", out, "");
            },
            [this, &response](kj::Exception&&) {
              return SendJson(response, 413, Error(grpc::StatusCode::INVALID_ARGUMENT,
                                                   "the login body is too large"));
            });
  }

  kj::Promise<void> Logout(Response& response) {
    kj::HttpHeaders out = BaseHeaders("text/plain");
    std::string cookie = CookieHeader("", true);
    out.set(set_cookie_, kj::heapString(cookie.c_str()));
    return SendBody(response, 204, "No Content", out, "");
  }

  // One API call: the request body, then a thread that runs the call while
  // the loop writes what it answers.
  kj::Promise<void> Api(std::string method, std::string token, kj::AsyncInputStream& body,
                        Response& response) {
    std::optional<CallShape> shape = BridgeCall::ShapeOf(method);
    if (!shape) {
      return SendJson(response, 404, Error(grpc::StatusCode::UNIMPLEMENTED,
                                           "no method '" + method + "' in shoal.admin.v1.Admin"));
    }
    return body.readAllText(kMaxBodyBytes)
        .then(
            [this, method, token, shape, &response](kj::String text) -> kj::Promise<void> {
              std::shared_ptr<CallPipe> pipe = StartCall(method, token, text.cStr(), *shape);
              if (!pipe) {
                return SendJson(response, 503, Error(grpc::StatusCode::UNAVAILABLE,
                                                     "too many dashboard calls at once"));
              }
              auto exchange = kj::heap<Exchange>(*this, pipe, *shape, response);
              Exchange& e = *exchange;
              return e.Start().attach(kj::mv(exchange), kj::defer([pipe] { pipe->Close(); }));
            },
            [this, &response](kj::Exception&& e) {
              return SendJson(response, 413,
                              Error(grpc::StatusCode::INVALID_ARGUMENT,
                                    "the request body could not be read (at most 384 MiB): " +
                                        Describe(e)));
            });
  }

  std::shared_ptr<CallPipe> StartCall(const std::string& method, const std::string& token,
                                      std::string body, CallShape shape) {
    auto pipe = std::make_shared<CallPipe>();
    {
      MutexLock lock(&mu_);
      if (pipes_.size() >= kMaxCalls) return nullptr;
      pipes_.insert(pipe);
    }
    std::thread([this, pipe, method, token, body = std::move(body), shape] {
      BridgeCall::Callbacks callbacks;
      callbacks.message = [&](std::string json) { return pipe->Push(std::move(json)); };
      callbacks.idle = [&] {
        return shape == CallShape::kServerStream ? pipe->Push("") : !pipe->Closed();
      };
      callbacks.done = [&](const grpc::Status& status) { pipe->Finish(status); };
      pipe->call.Run(*options_.admin, method, body, token, options_.keepalive, callbacks);
      MutexLock lock(&mu_);
      pipes_.erase(pipe);
      calls_done_.SignalAll();
    }).detach();
    return pipe;
  }

  // The loop's half of one call: waits for what the call answers and writes
  // it out, the whole answer for a unary call, line by line for a stream.
  class Exchange {
   public:
    Exchange(Impl& server, std::shared_ptr<CallPipe> pipe, CallShape shape, Response& response)
        : server_(server), pipe_(std::move(pipe)), shape_(shape), response_(response) {}

    // A stream answers 200 at once, so the page knows it is open however
    // long the first message takes (a quiet Watch); its failure, even
    // before any message, is its last line.
    kj::Promise<void> Start() {
      if (shape_ == CallShape::kServerStream) {
        kj::HttpHeaders headers = server_.BaseHeaders("application/x-ndjson");
        out_ = response_.send(200, "OK", headers);
      }
      return Step();
    }

    kj::Promise<void> Step() {
      return pipe_->News().then([this]() -> kj::Promise<void> {
        std::optional<grpc::Status> end;
        std::deque<std::string> lines = pipe_->Take(end);
        if (shape_ != CallShape::kServerStream) return Unary(std::move(lines), end);
        std::string text;
        for (const std::string& line : lines) {
          if (!line.empty()) text += "{\"result\":" + line + "}";
          text += '\n';
        }
        if (end && !end->ok()) text += "{\"error\":" + StatusJson(*end) + "}\n";
        kj::Promise<void> write = kj::READY_NOW;
        if (!text.empty()) {
          auto owned = kj::heap<std::string>(std::move(text));
          write = out_->write(owned->data(), owned->size()).attach(kj::mv(owned));
        }
        if (end) return write;
        return write.then([this] { return Step(); });
      });
    }

   private:
    kj::Promise<void> Unary(std::deque<std::string> lines, const std::optional<grpc::Status>& end) {
      for (std::string& line : lines) {
        if (!line.empty()) answer_ = std::move(line);
      }
      if (!end) return Step();
      if (!end->ok()) {
        return server_.SendJson(response_, HttpStatusFor(end->error_code()), StatusJson(*end));
      }
      return server_.SendJson(response_, 200, std::move(answer_));
    }

    Impl& server_;
    std::shared_ptr<CallPipe> pipe_;
    CallShape shape_;
    Response& response_;
    kj::Own<kj::AsyncOutputStream> out_;
    std::string answer_;
  };

  // What lives on the loop while it serves.
  struct Serving {
    kj::Own<kj::ConnectionReceiver> receiver;
    kj::Own<kj::HttpServer> server;
    kj::Promise<void> listening = nullptr;
  };

  DashboardOptions options_;
  std::shared_ptr<Loop> loop_;
  kj::Own<kj::HttpHeaderTable> headers_;
  kj::HttpHeaderId cookie_ = kj::HttpHeaderId::HOST;
  kj::HttpHeaderId authorization_ = kj::HttpHeaderId::HOST;
  kj::HttpHeaderId set_cookie_ = kj::HttpHeaderId::HOST;
  kj::HttpHeaderId cache_control_ = kj::HttpHeaderId::HOST;
  kj::HttpHeaderId nosniff_ = kj::HttpHeaderId::HOST;
  kj::HttpHeaderId frame_options_ = kj::HttpHeaderId::HOST;
  kj::HttpHeaderId referrer_ = kj::HttpHeaderId::HOST;
  std::string url_;
  // Loop thread.
  kj::Own<kj::TlsPrivateKey> key_;
  kj::Own<kj::TlsCertificate> cert_;
  kj::Own<kj::TlsKeypair> keypair_;
  kj::Own<kj::TlsContext> tls_;
  kj::Own<Serving> serving_;

  Mutex mu_;
  CondVar calls_done_;
  std::set<std::shared_ptr<CallPipe>> pipes_ GUARDED_BY(mu_);  // Calls whose threads run.
};

Result<std::unique_ptr<DashboardServer>> DashboardServer::Start(DashboardOptions options) {
  auto impl = std::make_unique<Impl>(std::move(options));
  TRY(impl->Start());
  return std::unique_ptr<DashboardServer>(new DashboardServer(std::move(impl)));
}

DashboardServer::DashboardServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DashboardServer::~DashboardServer() = default;

const std::string& DashboardServer::url() const { return impl_->url(); }

}  // namespace shoal::clusterd
