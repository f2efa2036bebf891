#include "kernel/object/namespace.h"

namespace shoal::kernel {

std::shared_ptr<Namespace> Namespace::Create() {
  return std::shared_ptr<Namespace>(new Namespace());
}

Result<std::string> Namespace::CheckPath(std::string_view path) {
  auto bad = [&](const char* why) {
    return MakeError(Status::kInvalidArgs, std::string("bad namespace path: ") + why);
  };
  if (path.empty()) return bad("empty");
  if (path.size() > kMaxPathBytes) return bad("longer than 4096 bytes");
  if (path.find('\0') != std::string_view::npos) return bad("contains NUL");
  if (path.front() != '/') return bad("not absolute");
  if (path == "/") return std::string(path);
  size_t at = 1;
  while (true) {
    size_t end = path.find('/', at);
    std::string_view component = path.substr(at, end == std::string_view::npos ? end : end - at);
    if (component.empty()) return bad("empty component");
    if (component == "." || component == "..") return bad("\".\" or \"..\" component");
    if (end == std::string_view::npos) break;
    at = end + 1;
  }
  return std::string(path);
}

VoidResult Namespace::Bind(std::string_view path, Ref<Provider> provider) {
  std::string mount = TRY(CheckPath(path));
  if (provider == nullptr) return MakeError(Status::kInvalidArgs, "no provider to bind");
  MutexLock lock(&mu_);
  if (bindings_.size() >= kMaxBindings) {
    return MakeError(Status::kNoMemory, "too many bindings in one namespace");
  }
  if (!bindings_.emplace(mount, std::move(provider)).second) {
    return MakeError(Status::kAlreadyExists, mount + " is already bound");
  }
  return Ok();
}

VoidResult Namespace::Unbind(std::string_view path) {
  std::string mount = TRY(CheckPath(path));
  Ref<Provider> dropped;  // Released after the lock: its destructor may do anything.
  MutexLock lock(&mu_);
  auto it = bindings_.find(mount);
  if (it == bindings_.end()) return MakeError(Status::kNotFound, "nothing is bound at " + mount);
  dropped = std::move(it->second);
  bindings_.erase(it);
  return Ok();
}

void Namespace::OpenAsync(std::string_view path, Rights requested, Provider::OpenDone done) const {
  Result<std::string> checked = CheckPath(path);
  if (!checked.ok()) return done(std::move(checked).error());
  std::string full = std::move(checked).value();
  Ref<Provider> provider;
  std::string relative;
  {
    MutexLock lock(&mu_);
    // Longest mount point first: the path itself, then each parent up to "/".
    std::string_view candidate = full;
    while (true) {
      auto it = bindings_.find(std::string(candidate));
      if (it != bindings_.end()) {
        provider = it->second;
        size_t skip = candidate == "/" ? 1 : candidate.size() + 1;
        relative = skip < full.size() ? full.substr(skip) : "";
        break;
      }
      if (candidate == "/") break;
      size_t slash = candidate.rfind('/');
      candidate = slash == 0 ? std::string_view("/") : candidate.substr(0, slash);
    }
  }
  if (provider == nullptr) {
    return done(MakeError(Status::kNotFound, "nothing in this namespace covers " + full));
  }
  provider->OpenAsync(
      relative, requested,
      [full = std::move(full), requested, done = std::move(done)](Result<HandleEntry> entry) {
        if (entry.ok() && (entry->object == nullptr || !IsSubset(entry->rights, requested))) {
          return done(
              MakeError(Status::kInternal, "the provider of " + full + " broke its contract"));
        }
        done(std::move(entry));
      });
}

std::shared_ptr<Namespace> Namespace::Clone() const {
  std::shared_ptr<Namespace> copy = Create();
  MutexLock lock(&mu_);
  MutexLock copy_lock(&copy->mu_);
  copy->bindings_ = bindings_;
  return copy;
}

std::vector<std::string> Namespace::paths() const {
  MutexLock lock(&mu_);
  std::vector<std::string> out;
  for (const auto& [path, provider] : bindings_) out.push_back(path);
  return out;
}

}  // namespace shoal::kernel
