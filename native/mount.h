// mount(2), umount2(2) and overlay mounts through the new mount API. Blocking: worker
// threads only. Each throws SysError whose `what` names the target.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace skiff {

void Mount(const std::string& source, const std::string& target, const std::optional<std::string>& fstype,
           unsigned long flags, const std::optional<std::string>& data);

void MountOverlay(const std::string& target, const std::vector<std::string>& lowerdirs,
                  const std::optional<std::string>& upperdir, const std::optional<std::string>& workdir,
                  unsigned long flags);

void Umount(const std::string& target, int flags);

}  // namespace skiff
