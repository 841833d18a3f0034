#include "mount.h"

#include <fcntl.h>
#include <sys/mount.h>  // glibc 2.36 pulls in <linux/mount.h> for the new-API constants
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "errors.h"
#include "fd.h"

namespace skiff {

namespace {

// mount(2) copies at most one page of options, NUL included.
constexpr size_t kMaxMountData = 4095;

std::string Quote(const std::string& s) { return "\"" + s + "\""; }

// Called through syscall(): older glibc headers have no wrappers for the new mount API.
int FsOpen(const char* fs) { return static_cast<int>(::syscall(SYS_fsopen, fs, FSOPEN_CLOEXEC)); }
int FsConfig(int fd, unsigned cmd, const char* key, const char* value) {
  return static_cast<int>(::syscall(SYS_fsconfig, fd, cmd, key, value, 0));
}
int FsMount(int fd, unsigned attrs) { return static_cast<int>(::syscall(SYS_fsmount, fd, FSMOUNT_CLOEXEC, attrs)); }
int MoveMount(int fd, const char* target) {
  return static_cast<int>(::syscall(SYS_move_mount, fd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH));
}

// The filesystem explains a refused fsconfig in the context's log ("e overlay: ..."); the
// last error line is the useful one. Reading an empty log fails with ENODATA at once.
std::string FsLog(int fd) {
  std::string last;
  char line[512];
  for (;;) {
    ssize_t n = ::read(fd, line, sizeof line - 1);
    if (n <= 0) break;
    if (n > 2 && line[0] == 'e' && line[1] == ' ') last.assign(line + 2, static_cast<size_t>(n - 2));
  }
  return last;
}

unsigned MountAttrs(unsigned long flags) {
  unsigned attrs = 0;
  if (flags & MS_RDONLY) attrs |= MOUNT_ATTR_RDONLY;
  if (flags & MS_NOSUID) attrs |= MOUNT_ATTR_NOSUID;
  if (flags & MS_NODEV) attrs |= MOUNT_ATTR_NODEV;
  if (flags & MS_NOEXEC) attrs |= MOUNT_ATTR_NOEXEC;
  if (flags & MS_NODIRATIME) attrs |= MOUNT_ATTR_NODIRATIME;
  if (flags & MS_NOATIME) attrs |= MOUNT_ATTR_NOATIME;
  else if (flags & MS_STRICTATIME) attrs |= MOUNT_ATTR_STRICTATIME;
  return attrs;
}

// Kernels before 6.8 (no `lowerdir+`) or without fsopen: one option string, one page.
void LegacyOverlay(const std::string& target, const std::vector<std::string>& lowerdirs,
                   const std::optional<std::string>& upperdir, const std::optional<std::string>& workdir,
                   unsigned long flags) {
  std::string what = "overlay on " + Quote(target);
  std::string opts = "lowerdir=";
  for (size_t i = 0; i < lowerdirs.size(); i++) opts += (i ? ":" : "") + lowerdirs[i];
  if (upperdir) opts += ",upperdir=" + *upperdir;
  if (workdir) opts += ",workdir=" + *workdir;
  if (opts.size() > kMaxMountData)
    Fail(E2BIG, "mount", what, "overlay options are " + std::to_string(opts.size()) + " bytes, mount(2) takes 4095");
  if (!upperdir && !workdir) flags |= MS_RDONLY;
  if (::mount("overlay", target.c_str(), "overlay", flags, opts.c_str()) < 0) {
    int err = errno;
    Fail(err, "mount", what);
  }
}

}  // namespace

void Mount(const std::string& source, const std::string& target, const std::optional<std::string>& fstype,
           unsigned long flags, const std::optional<std::string>& data) {
  if (::mount(source.c_str(), target.c_str(), fstype ? fstype->c_str() : nullptr, flags,
              data ? data->c_str() : nullptr) < 0) {
    int err = errno;
    Fail(err, "mount", Quote(source) + " on " + Quote(target));
  }
}

void Umount(const std::string& target, int flags) {
  if (::umount2(target.c_str(), flags) < 0) {
    int err = errno;
    Fail(err, "umount2", Quote(target));
  }
}

// One `lowerdir+` per layer: no option string, so no 4 KiB limit on layers or path lengths.
void MountOverlay(const std::string& target, const std::vector<std::string>& lowerdirs,
                  const std::optional<std::string>& upperdir, const std::optional<std::string>& workdir,
                  unsigned long flags) {
  std::string what = "overlay on " + Quote(target);
  Fd fs(FsOpen("overlay"));
  if (!fs.Valid()) {
    int err = errno;
    if (err == ENOSYS) return LegacyOverlay(target, lowerdirs, upperdir, workdir, flags);
    Fail(err, "fsopen", what);
  }
  auto set = [&](const char* key, const std::string& value) {
    if (FsConfig(fs.Get(), FSCONFIG_SET_STRING, key, value.c_str()) == 0) return;
    int err = errno;
    Fail(err, "fsconfig", what + ": " + key + " " + Quote(value), FsLog(fs.Get()));
  };
  set("source", "overlay");  // what mount(2) would show in /proc/mounts
  for (size_t i = 0; i < lowerdirs.size(); i++) {
    if (FsConfig(fs.Get(), FSCONFIG_SET_STRING, "lowerdir+", lowerdirs[i].c_str()) == 0) continue;
    int err = errno;
    // Before 6.8 overlay has no `lowerdir+` and rejects the key itself.
    if (i == 0 && err == EINVAL) return LegacyOverlay(target, lowerdirs, upperdir, workdir, flags);
    Fail(err, "fsconfig", what + ": lowerdir+ " + Quote(lowerdirs[i]), FsLog(fs.Get()));
  }
  if (upperdir) set("upperdir", *upperdir);
  if (workdir) set("workdir", *workdir);
  if (FsConfig(fs.Get(), FSCONFIG_CMD_CREATE, nullptr, nullptr) < 0) {
    int err = errno;
    Fail(err, "fsconfig", what, FsLog(fs.Get()));
  }
  unsigned attrs = MountAttrs(flags) | (!upperdir && !workdir ? MOUNT_ATTR_RDONLY : 0);
  Fd mnt(FsMount(fs.Get(), attrs));
  if (!mnt.Valid()) {
    int err = errno;
    Fail(err, "fsmount", what);
  }
  if (MoveMount(mnt.Get(), target.c_str()) < 0) {
    int err = errno;
    Fail(err, "move_mount", what);
  }
}

}  // namespace skiff
