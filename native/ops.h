// nsApply's ops as plain C++ values: converted from JS on the JS thread (addon.cc),
// executed on the worker thread (ops.cc), results converted back on the JS thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "errors.h"

namespace skiff {

enum class OpKind {
  LinkAdd, LinkDel, LinkSet,
  AddrAdd, AddrDel,
  RouteAdd, RouteReplace, RouteDel,
  SysctlSet, SysctlGet,
  BridgeVlanAdd, BridgeVlanDel,
  LinkList, AddrList, RouteList, BridgeVlanList,
};

// One struct for every op, mirroring the JS object: each op reads only its own fields
// (see binding.d.ts). Textual addresses stay text until the worker parses them, so a bad
// one fails as that op (with its opIndex) rather than as the whole call.
struct Op {
  OpKind kind;
  std::string name;  // link ops: the link; addr ops: dev
  // linkAdd
  std::string linkKind;
  std::optional<uint32_t> mtu;
  std::optional<std::string> mac, peerName, peerNetns, peerMac;
  std::optional<uint32_t> vxlanId, vxlanPort;
  std::optional<std::string> vxlanLocal, vxlanGroup, vxlanDev;
  std::optional<bool> vxlanLearning;
  std::optional<bool> vlanFiltering;  // bridge only (linkAdd and linkSet)
  // linkSet
  std::optional<bool> up, promisc, hairpin;
  std::optional<std::string> master, netns, newName;
  // addr*
  std::string address;
  uint32_t prefixLen = 0;
  std::optional<uint32_t> scope;
  std::optional<std::string> broadcast;
  bool noDad = false;
  // route* and the list ops: 0 (any), 4 or 6
  int family = 0;
  std::string dst;
  uint32_t dstLen = 0;
  std::optional<std::string> gateway, dev, src;
  std::optional<uint32_t> table, metric, protocol;
  // sysctl*
  std::string path, value;
  // bridgeVlan*: the port is `name`
  uint16_t vid = 0;
  bool pvid = false, untagged = false;
};

struct Link {
  uint32_t index = 0;
  std::string name, kind, mac, operstate;
  uint32_t mtu = 0, master = 0, flags = 0, parent = 0;
  std::optional<bool> hairpin;
  std::optional<bool> vlanFiltering;  // bridges only
};

// One VLAN of a bridge port (or of a bridge itself), as the AF_BRIDGE link dump reports it.
struct BridgeVlan {
  uint32_t index = 0;
  uint16_t vid = 0;
  bool pvid = false, untagged = false;
};

struct Addr {
  uint32_t index = 0;
  int family = 0;  // 4 or 6
  std::string address;
  uint32_t prefixLen = 0, scope = 0, flags = 0;
};

struct Route {
  int family = 0;  // 4 or 6
  std::string dst, gateway, src;
  uint32_t dstLen = 0, oif = 0, scope = 0, table = 0, metric = 0, protocol = 0, type = 0;
};

using OpResult =
    std::variant<std::monostate, std::string, std::vector<Link>, std::vector<Addr>, std::vector<Route>, std::vector<BridgeVlan>>;

// What a batch did: the results of the ops that ran and, when one failed, its error
// (opIndex set; -1 when the batch failed before its first op, e.g. a missing netns).
struct BatchOutcome {
  std::vector<OpResult> results;
  std::optional<SysError> failure;
};

// Runs ops in order inside the netns pinned at netnsPath (the thread's own when empty),
// stopping at the first failure. Worker thread only.
BatchOutcome RunOps(const std::optional<std::string>& netnsPath, const std::vector<Op>& ops);

// --- fsApply: file metadata Node cannot set (or cannot set in one batch) --------------------
//
// Used while unpacking image layers: device nodes and fifos (overlay whiteouts are char 0:0),
// xattrs (trusted.overlay.opaque), ownership, modes and nanosecond times, none of which
// follows a symlink. One thread runs a whole layer's worth.

enum class FsOpKind { Mknod, Lsetxattr, Lchown, Chmod, Lutimes };

struct FsOp {
  FsOpKind kind;
  std::string path;
  uint32_t mode = 0;                 // mknod: file type bits included; chmod: permission bits
  uint64_t dev = 0;                  // mknod: makedev(major, minor)
  std::string name, value;           // lsetxattr (value is bytes)
  uint32_t uid = 0, gid = 0;         // lchown
  int64_t atimeNs = 0, mtimeNs = 0;  // lutimes: nanoseconds since the epoch
};

// Runs ops in order, stopping at the first failure (opIndex set). Worker thread only.
std::optional<SysError> RunFsOps(const std::vector<FsOp>& ops);

}  // namespace skiff

namespace skiff {

// --- stdio: what attach and tty exec need and Node cannot do ---------------------------------
//
// conmon's attach socket is AF_UNIX SOCK_SEQPACKET (net cannot open it, and its packets
// must not be merged or split); a tty exec needs a pseudo-terminal pair and TIOCSWINSZ.

// Connects a SOCK_SEQPACKET socket to the unix socket at path (through /proc/self/fd/<dir>/<name>,
// so a path longer than sun_path works). Worker thread only.
int SeqpacketConnect(const std::string& path);

// One recv: a whole packet (truncated to max), or nullopt at end of stream. Worker thread only.
std::optional<std::string> FdRecv(int fd, size_t max);

// One send of data as one packet (MSG_NOSIGNAL). Worker thread only.
void FdSend(int fd, const std::string& data);

// A new pseudo-terminal: master and slave, both O_CLOEXEC and O_NOCTTY, the slave raw. Never blocks.
struct Pty {
  int master = -1, slave = -1;
};
Pty OpenPty();

}  // namespace skiff
