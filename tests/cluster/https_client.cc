#include "tests/cluster/https_client.h"

#include <kj/async-io.h>
#include <kj/compat/http.h>
#include <kj/compat/tls.h>

#include <fstream>
#include <sstream>

namespace shoal::testing {

HttpsClient::HttpsClient(int port, std::string ca_file) : port_(port), ca_file_(std::move(ca_file)) {}

HttpReply HttpsClient::Get(const std::string& path, const Headers& headers) {
  return Send(false, path, "", headers, nullptr, std::chrono::seconds(30));
}

HttpReply HttpsClient::Post(const std::string& path, const std::string& body,
                            const Headers& headers) {
  return Send(true, path, body, headers, nullptr, std::chrono::seconds(30));
}

HttpReply HttpsClient::PostStream(const std::string& path, const std::string& body,
                                  const Headers& headers,
                                  const std::function<bool(const std::string&)>& enough,
                                  std::chrono::milliseconds limit) {
  return Send(true, path, body, headers, &enough, limit);
}

HttpReply HttpsClient::Send(bool post, const std::string& path, const std::string& body,
                            const Headers& headers,
                            const std::function<bool(const std::string&)>* enough,
                            std::chrono::milliseconds limit) {
  HttpReply reply;
  std::ifstream in(ca_file_);
  std::stringstream pem;
  pem << in.rdbuf();
  std::string ca_text = pem.str();
  KJ_IF_MAYBE (e, kj::runCatchingExceptions([&] {
                 kj::AsyncIoContext io = kj::setupAsyncIo();
                 kj::Timer& timer = io.provider->getTimer();
                 kj::Duration bound = limit.count() * kj::MILLISECONDS;
                 kj::TlsCertificate ca(kj::StringPtr(ca_text.c_str()));
                 kj::TlsContext::Options options;
                 options.useSystemTrustStore = false;
                 options.trustedCertificates = kj::arrayPtr(&ca, 1);
                 kj::TlsContext tls(kj::mv(options));

                 kj::HttpHeaderTable::Builder builder;
                 kj::HttpHeaderId set_cookie = builder.add("Set-Cookie");
                 std::vector<kj::HttpHeaderId> ids;
                 for (const auto& [name, value] : headers) {
                   ids.push_back(builder.add(kj::StringPtr(name.c_str())));
                 }
                 kj::Own<kj::HttpHeaderTable> table = builder.build();

                 auto address = io.provider->getNetwork()
                                    .parseAddress("127.0.0.1", port_)
                                    .wait(io.waitScope);
                 auto tcp = timer.timeoutAfter(bound, address->connect()).wait(io.waitScope);
                 // kj-tls checks names as DNS names only; the node certificate
                 // names localhost beside its IP addresses.
                 auto stream = timer.timeoutAfter(bound, tls.wrapClient(kj::mv(tcp), "localhost"))
                                   .wait(io.waitScope);
                 kj::Own<kj::HttpClient> client = kj::newHttpClient(*table, *stream);

                 kj::HttpHeaders out(*table);
                 for (size_t i = 0; i < headers.size(); ++i) {
                   out.set(ids[i], kj::StringPtr(headers[i].second.c_str()));
                 }
                 if (post && out.get(kj::HttpHeaderId::CONTENT_TYPE) == nullptr) {
                   out.set(kj::HttpHeaderId::CONTENT_TYPE, "application/json");
                 }
                 auto request = client->request(post ? kj::HttpMethod::POST : kj::HttpMethod::GET,
                                                kj::StringPtr(path.c_str()), out,
                                                post ? kj::Maybe<uint64_t>(body.size())
                                                     : kj::Maybe<uint64_t>(uint64_t(0)));
                 if (post && !body.empty()) {
                   request.body->write(body.data(), body.size()).wait(io.waitScope);
                 }
                 request.body = nullptr;
                 auto response = timer.timeoutAfter(bound, kj::mv(request.response)).wait(io.waitScope);
                 reply.status = int(response.statusCode);
                 KJ_IF_MAYBE (v, response.headers->get(kj::HttpHeaderId::CONTENT_TYPE)) {
                   reply.content_type = v->cStr();
                 }
                 KJ_IF_MAYBE (v, response.headers->get(kj::HttpHeaderId::LOCATION)) {
                   reply.location = v->cStr();
                 }
                 KJ_IF_MAYBE (v, response.headers->get(set_cookie)) { reply.set_cookie = v->cStr(); }
                 if (enough == nullptr) {
                   reply.body = timer.timeoutAfter(bound, response.body->readAllText())
                                    .wait(io.waitScope)
                                    .cStr();
                   return;
                 }
                 // A stream: read what comes until it is enough, the stream
                 // ends, or the bound passes.
                 auto deadline = timer.now() + bound;
                 char buffer[16384];
                 while (!(*enough)(reply.body)) {
                   auto left = deadline - timer.now();
                   if (left <= 0 * kj::SECONDS) break;
                   auto read = timer.timeoutAfter(left, response.body->tryRead(buffer, 1, sizeof buffer))
                                   .then([](size_t n) { return n; },
                                         [](kj::Exception&&) { return size_t(0); })
                                   .wait(io.waitScope);
                   if (read == 0) break;
                   reply.body.append(buffer, read);
                 }
               })) {
    reply.error = e->getDescription().cStr();
  }
  return reply;
}

}  // namespace shoal::testing
