#include "netns.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "errors.h"

namespace skiff {

namespace {

std::string Quote(const std::string& s) { return "\"" + s + "\""; }

struct Kind {
  const char* name;  // entry under /proc/thread-self/ns
  int flag;
  const std::optional<std::string>& path;
};

Fd OpenOwn(const char* name) {
  std::string file = std::string("/proc/thread-self/ns/") + name;
  Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.Valid()) {
    int err = errno;
    Fail(err, "open", Quote(file));
  }
  return fd;
}

// Puts the thread back into the namespaces it had before unshare. The thread exits right
// after anyway; this keeps it from ever running anything else inside what it just created.
class Restore {
 public:
  void Save(const char* name, int flag) { saved_.push_back({OpenOwn(name), flag}); }
  ~Restore() {
    for (auto& [fd, flag] : saved_) ::setns(fd.Get(), flag);
  }

 private:
  std::vector<std::pair<Fd, int>> saved_;
};

void Pin(const Kind& k) {
  const std::string& path = *k.path;
  std::string what = std::string(k.name) + " " + Quote(path);
  Fd file(::open(path.c_str(), O_CREAT | O_EXCL | O_RDONLY | O_CLOEXEC, 0444));
  if (!file.Valid()) {
    int err = errno;
    Fail(err, "open", what);
  }
  file.Reset();
  std::string own = std::string("/proc/thread-self/ns/") + k.name;
  if (::mount(own.c_str(), path.c_str(), nullptr, MS_BIND, nullptr) < 0) {
    int err = errno;
    ::unlink(path.c_str());
    Fail(err, "mount", what);
  }
}

}  // namespace

Fd OpenPin(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.Valid()) {
    int err = errno;
    Fail(err, "open", "netns " + Quote(path));
  }
  return fd;
}

NetnsScope::NetnsScope(const std::string& path) : saved_(OpenOwn("net")) {
  Fd target = OpenPin(path);
  if (::setns(target.Get(), CLONE_NEWNET) < 0) {
    int err = errno;
    Fail(err, "setns", "netns " + Quote(path));
  }
}

NetnsScope::~NetnsScope() { ::setns(saved_.Get(), CLONE_NEWNET); }

void PinNamespaces(const std::optional<std::string>& net, const std::optional<std::string>& ipc,
                   const std::optional<std::string>& uts, const std::optional<std::string>& hostname) {
  const Kind kinds[] = {{"net", CLONE_NEWNET, net}, {"ipc", CLONE_NEWIPC, ipc}, {"uts", CLONE_NEWUTS, uts}};
  // Without a fresh uts namespace sethostname would rename the host.
  if (hostname && !uts) Fail(EINVAL, "sethostname", "hostname without a uts namespace");

  Restore restore;
  int flags = 0;
  for (const Kind& k : kinds) {
    if (!k.path) continue;
    restore.Save(k.name, k.flag);
    flags |= k.flag;
  }
  if (flags == 0) return;
  if (::unshare(flags) < 0) FailErrno("unshare");
  if (hostname && ::sethostname(hostname->data(), hostname->size()) < 0) FailErrno("sethostname", "hostname");

  std::vector<const std::string*> made;
  try {
    for (const Kind& k : kinds) {
      if (!k.path) continue;
      Pin(k);
      made.push_back(&*k.path);
    }
  } catch (...) {
    for (auto it = made.rbegin(); it != made.rend(); ++it) {
      ::umount2((*it)->c_str(), MNT_DETACH);
      ::unlink((*it)->c_str());
    }
    throw;
  }
}

void UnpinNamespace(const std::string& path) {
  if (::umount2(path.c_str(), MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT) {
    int err = errno;
    Fail(err, "umount2", Quote(path));
  }
  if (::unlink(path.c_str()) < 0 && errno != ENOENT) {
    int err = errno;
    Fail(err, "unlink", Quote(path));
  }
}

}  // namespace skiff
