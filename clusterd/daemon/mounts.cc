#include "clusterd/daemon/mounts.h"

#include <spdlog/spdlog.h>

#include <fstream>

#include "clusterd/daemon/durable_file.h"

namespace shoal::clusterd {
namespace {

constexpr std::string_view kDevPrefix = "/dev/";

// `path` when it is a normal-form path below /dev/ that the record's line
// format can hold (no tab); `what` names it in errors.
Result<std::string> DevicePathOf(std::string_view path, const std::string& what) {
  Result<std::string> normal = kernel::Namespace::CheckPath(path);
  if (!normal.ok()) {
    return MakeError(Status::kInvalidArgs,
                     what + " " + std::string(path) + ": " + normal.error().message);
  }
  if (!normal->starts_with(kDevPrefix) || normal->size() == kDevPrefix.size()) {
    return MakeError(Status::kInvalidArgs,
                     what + " must be a path below /dev/, not " + std::string(path));
  }
  if (normal->find_first_of("\t\n") != std::string::npos) {
    return MakeError(Status::kInvalidArgs, what + " must not hold a tab or a line break");
  }
  return normal;
}

}  // namespace

Result<MountSource> ParseMountSource(std::string_view text) {
  size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return MakeError(
        Status::kInvalidArgs,
        "the source must be NODE:/dev/PATH (node-a:/dev/video0), not '" + std::string(text) + "'");
  }
  MountSource source;
  source.node = std::string(text.substr(0, colon));
  source.path = TRY(DevicePathOf(text.substr(colon + 1), "the source's path"));
  return source;
}

Result<std::unique_ptr<Mounts>> Mounts::Open(const std::filesystem::path& data_dir,
                                             std::string self, kernel::Namespace& root,
                                             DataPlane& data_plane) {
  std::unique_ptr<Mounts> mounts(
      new Mounts(data_dir / "mounts", std::move(self), root, data_plane));
  std::ifstream in(mounts->file_);
  if (!in) return mounts;  // Nothing mounted yet.
  MutexLock change(&mounts->change_mu_);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    size_t tab = line.find('\t');
    Result<MountSource> source = tab == std::string::npos
                                     ? Result<MountSource>(MakeError(Status::kMalformed, "no tab"))
                                     : ParseMountSource(std::string_view(line).substr(tab + 1));
    if (!source.ok()) {
      return MakeError(Status::kMalformed, mounts->file_.string() + " line " +
                                               std::to_string(number) + ": " +
                                               source.error().message);
    }
    Result<std::string> target = DevicePathOf(std::string_view(line).substr(0, tab), "the target");
    if (!target.ok()) {
      return MakeError(Status::kMalformed, mounts->file_.string() + " line " +
                                               std::to_string(number) + ": " +
                                               target.error().message);
    }
    if (VoidResult bound = mounts->BindLocked(*source, *target); !bound.ok()) {
      spdlog::warn("the mount of {} at {} is not bound again: {}", source->text(), *target,
                   bound.error().message);
    }
  }
  if (in.bad()) {
    return MakeError(Status::kIoError, "cannot read " + mounts->file_.string());
  }
  return mounts;
}

VoidResult Mounts::BindLocked(const MountSource& source, const std::string& target) {
  auto provider = std::make_shared<MountProvider>(source.node, source.path, target, data_plane_);
  TRY(root_.Bind(target, provider));
  MutexLock lock(&mu_);
  mounts_[target] = std::move(provider);
  return Ok();
}

VoidResult Mounts::PersistLocked(const std::map<std::string, MountSource>& mounts) const {
  std::string text;
  for (const auto& [target, source] : mounts) text += target + "\t" + source.text() + "\n";
  return ReplaceFile(file_, text);
}

VoidResult Mounts::Mount(std::string_view source_text, std::string_view target_text) {
  MountSource source = TRY(ParseMountSource(source_text));
  std::string target = TRY(DevicePathOf(target_text, "the target"));
  if (source.node == self_) {
    return MakeError(Status::kInvalidArgs, source.path + " is node " + self_ +
                                               "'s own device: mount devices of other nodes");
  }
  MutexLock change(&change_mu_);
  for (const std::string& bound : root_.paths()) {
    if (bound == target) {
      return MakeError(Status::kAlreadyExists, target + " is taken on node " + self_ +
                                                   "; unmount it or choose another path");
    }
  }
  // The source must be a device now; then the open is dropped, and every
  // open through the mount asks again.
  Result<kernel::HandleEntry> probe = AwaitOpen(
      [&](DataPlane::OpenDone done) {
        data_plane_.OpenDevice(source.node, source.path, kernel::Rights::kNone, nullptr,
                               std::move(done));
      },
      std::chrono::steady_clock::now() + kCheckTimeout,
      "node " + source.node + " did not answer in time to open " + source.path);
  if (!probe.ok()) {
    return MakeError(probe.error().status,
                     "cannot mount " + source.text() + ": " + probe.error().message);
  }
  std::map<std::string, MountSource> record;
  for (const Listing& l : List()) record[l.target] = l.source;
  record[target] = source;
  TRY(PersistLocked(record));
  if (VoidResult bound = BindLocked(source, target); !bound.ok()) {
    record.erase(target);
    (void)PersistLocked(record);
    return bound;
  }
  spdlog::info("mounted {} at {}", source.text(), target);
  return Ok();
}

VoidResult Mounts::Unmount(std::string_view target_text) {
  std::string target = TRY(DevicePathOf(target_text, "the target"));
  MutexLock change(&change_mu_);
  std::shared_ptr<MountProvider> provider;
  std::map<std::string, MountSource> record;
  {
    MutexLock lock(&mu_);
    auto it = mounts_.find(target);
    if (it == mounts_.end()) {
      return MakeError(Status::kNotFound, "nothing is mounted at " + target + " on node " + self_);
    }
    provider = it->second;
    for (const auto& [t, p] : mounts_) {
      if (t != target) record[t] = MountSource{p->node(), p->path()};
    }
  }
  TRY(PersistLocked(record));
  TRY(root_.Unbind(target));
  {
    MutexLock lock(&mu_);
    mounts_.erase(target);
  }
  provider->Cut();
  spdlog::info("unmounted {} from {}", MountSource{provider->node(), provider->path()}.text(),
               target);
  return Ok();
}

std::vector<Mounts::Listing> Mounts::List() const {
  MutexLock lock(&mu_);
  std::vector<Listing> out;
  for (const auto& [target, provider] : mounts_) {
    out.push_back({target, {provider->node(), provider->path()}, provider->open_handles()});
  }
  return out;
}

}  // namespace shoal::clusterd
