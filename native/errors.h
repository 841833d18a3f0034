// Failure of a syscall (or of the kernel's netlink verdict), carried from a worker thread
// to the JS thread where it becomes a NativeError. Worker code throws it; only the JS
// thread touches napi values.
#pragma once

#include <napi.h>

#include <cerrno>
#include <string>
#include <utility>

namespace skiff {

struct SysError {
  SysError(int e, std::string call, std::string object = {}, std::string extra = {})
      : err(e), syscall(std::move(call)), what(std::move(object)), detail(std::move(extra)) {}

  int err;              // positive errno
  std::string syscall;  // 'netlink', 'open', 'setns', ...
  std::string what;     // the object, e.g. 'linkAdd "veth0"'; prefixed as the error travels up
  std::string detail;   // kernel's extended ack message, fsconfig log line; may be empty
  int opIndex = -1;     // nsApply only

  // Prepends the caller's view of the object: 'open "/x"' becomes 'linkSet "eth0": open "/x"'.
  SysError& Within(const std::string& outer) {
    what = what.empty() ? outer : outer + ": " + what;
    return *this;
  }
  std::string Message() const;
};

[[noreturn]] inline void Fail(int err, std::string syscall, std::string what = {}, std::string detail = {}) {
  throw SysError(err, std::move(syscall), std::move(what), std::move(detail));
}

// The errno of the syscall that just failed; read before anything can allocate and clobber
// it, which is why the arguments are plain pointers.
[[noreturn]] inline void FailErrno(const char* syscall, const char* what = "") {
  int err = errno;
  Fail(err, syscall, what);
}

Napi::Error ToJsError(Napi::Env env, const SysError& e);

}  // namespace skiff
