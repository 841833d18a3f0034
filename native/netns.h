// Network (and ipc/uts) namespaces named by pins: nsfs files bind-mounted onto plain files.
// Everything here changes the calling thread's namespaces: worker threads only.
#pragma once

#include <optional>
#include <string>

#include "fd.h"

namespace skiff {

// Opens a pin for setns or IFLA_NET_NS_FD. SysError 'open' (ENOENT when there is no pin).
Fd OpenPin(const std::string& path);

// Moves the thread into the netns pinned at path and back out when destroyed, so sockets
// opened in between belong to that netns and /proc/sys/net shows its sysctls.
class NetnsScope {
 public:
  explicit NetnsScope(const std::string& path);
  ~NetnsScope();
  NetnsScope(const NetnsScope&) = delete;
  NetnsScope& operator=(const NetnsScope&) = delete;

 private:
  Fd saved_;
};

// Unshares the requested namespaces and pins each at its path; all or nothing.
void PinNamespaces(const std::optional<std::string>& net, const std::optional<std::string>& ipc,
                   const std::optional<std::string>& uts, const std::optional<std::string>& hostname);

// Detaches and removes a pin; a pin that is already gone or not mounted is fine.
void UnpinNamespace(const std::string& path);

}  // namespace skiff
