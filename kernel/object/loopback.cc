#include "kernel/object/loopback.h"

namespace shoal::kernel {

// Lets the server reach the client without owning it: proxies own the client,
// the client owns the server (through its transport), never the reverse.
struct LoopbackConnection::Link {
  std::weak_ptr<ObjectClient> client;
};

LoopbackConnection::LoopbackConnection()
    : traffic_(std::make_shared<Traffic>()), link_(std::make_shared<Link>()) {
  std::weak_ptr<Link> link = link_;
  std::shared_ptr<Traffic> traffic = traffic_;
  server_ = ObjectServer::Create([link, traffic](std::vector<uint8_t> event) {
    traffic->events++;
    traffic->bytes += event.size();
    if (auto l = link.lock()) {
      if (auto client = l->client.lock()) (void)client->OnEvent(event);
    }
  });
  Ref<ObjectServer> server = server_;
  client_ = ObjectClient::Create(
      [server, traffic](std::vector<uint8_t> request, ObjectClient::Reply reply) {
        traffic->requests++;
        traffic->bytes += request.size();
        server->Serve(request, [traffic, reply = std::move(reply)](std::vector<uint8_t> response) {
          traffic->bytes += response.size();
          reply(std::move(response));
        });
      });
  link_->client = client_;
}

Result<Ref<KernelObject>> LoopbackConnection::Proxy(Ref<KernelObject> object, Rights rights) {
  if (object == nullptr) return MakeError(Status::kInvalidArgs, "no object to proxy");
  ObjectType type = object->type();
  uint64_t id = TRY(server_->Export(std::move(object), rights));
  return client_->Import(id, type);
}

}  // namespace shoal::kernel
