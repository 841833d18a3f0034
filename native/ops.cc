#include "ops.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <netinet/ether.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "errors.h"
#include "fd.h"
#include "netlink.h"
#include "netns.h"

namespace skiff {

namespace {

// Kernel dumps flagged NLM_F_DUMP_INTR (a link or route changed mid-dump) are retried.
constexpr int kDumpAttempts = 5;

std::string Quote(const std::string& s) { return "\"" + s + "\""; }

// --- text <-> bytes --------------------------------------------------------------------

struct IpAddr {
  int family;
  unsigned char bytes[16];
  size_t len;
};

// family AF_UNSPEC: v6 when the text has a colon.
IpAddr ParseIp(const std::string& text, int family) {
  IpAddr a{};
  a.family = family != AF_UNSPEC ? family : (text.find(':') != std::string::npos ? AF_INET6 : AF_INET);
  a.len = a.family == AF_INET6 ? 16 : 4;
  if (::inet_pton(a.family, text.c_str(), a.bytes) != 1) Fail(EINVAL, "inet_pton", "address " + Quote(text));
  return a;
}

std::string IpText(int family, const char* data, size_t len) {
  char out[INET6_ADDRSTRLEN] = "";
  if (len != (family == AF_INET6 ? 16u : 4u) || !::inet_ntop(family, data, out, sizeof out)) return "";
  return out;
}

ether_addr ParseMac(const std::string& text) {
  ether_addr mac{};
  if (!::ether_aton_r(text.c_str(), &mac)) Fail(EINVAL, "ether_aton", "mac " + Quote(text));
  return mac;
}

std::string MacText(const char* data, size_t len) {
  static const char hex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < len; i++) {
    auto b = static_cast<unsigned char>(data[i]);
    if (i) out += ':';
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

int Family(int v) { return v == 4 ? AF_INET : v == 6 ? AF_INET6 : AF_UNSPEC; }

void PutIp(NlMsg& m, uint16_t type, const IpAddr& a) { m.Put(type, a.bytes, a.len); }

void PutMac(NlMsg& m, uint16_t type, const std::string& text) {
  ether_addr mac = ParseMac(text);
  m.Put(type, mac.ether_addr_octet, sizeof mac.ether_addr_octet);
}

// --- links -----------------------------------------------------------------------------

uint32_t LinkIndex(NlSocket& nl, const std::string& name, const std::string& what = {}) {
  NlMsg m(RTM_GETLINK, 0);
  m.Header(ifinfomsg{});
  m.PutStr(IFLA_IFNAME, name);
  m.PutU32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  uint32_t index = 0;
  try {
    nl.Request(m, [&](const nlmsghdr* h) {
      if (h->nlmsg_type == RTM_NEWLINK && h->nlmsg_len >= NLMSG_LENGTH(sizeof(ifinfomsg)))
        index = static_cast<const ifinfomsg*>(NLMSG_DATA(h))->ifi_index;
    });
  } catch (SysError& e) {
    if (!what.empty()) e.Within(what);
    throw;
  }
  if (index == 0) Fail(ENODEV, "netlink", what);
  return index;
}

void LinkAdd(NlSocket& nl, const Op& op) {
  NlMsg m(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  m.Header(ifinfomsg{});
  m.PutStr(IFLA_IFNAME, op.name);
  if (op.mtu) m.PutU32(IFLA_MTU, *op.mtu);
  if (op.mac) PutMac(m, IFLA_ADDRESS, *op.mac);

  Fd peerNs;  // must stay open until the kernel has read the request
  size_t info = m.BeginNest(IFLA_LINKINFO);
  m.PutStr(IFLA_INFO_KIND, op.linkKind);
  if (op.linkKind == "veth") {
    size_t data = m.BeginNest(IFLA_INFO_DATA);
    size_t peer = m.BeginNest(VETH_INFO_PEER);
    ifinfomsg peerIfi{};  // the peer is described like a link of its own
    m.Append(&peerIfi, sizeof peerIfi);
    if (op.peerName) m.PutStr(IFLA_IFNAME, *op.peerName);
    if (op.peerNetns) {
      peerNs = OpenPin(*op.peerNetns);
      m.PutU32(IFLA_NET_NS_FD, static_cast<uint32_t>(peerNs.Get()));
    }
    if (op.mtu) m.PutU32(IFLA_MTU, *op.mtu);
    if (op.peerMac) PutMac(m, IFLA_ADDRESS, *op.peerMac);
    m.EndNest(peer);
    m.EndNest(data);
  } else if (op.linkKind == "vxlan") {
    size_t data = m.BeginNest(IFLA_INFO_DATA);
    if (op.vxlanId) m.PutU32(IFLA_VXLAN_ID, *op.vxlanId);
    if (op.vxlanGroup) {
      IpAddr g = ParseIp(*op.vxlanGroup, AF_UNSPEC);
      PutIp(m, g.family == AF_INET6 ? IFLA_VXLAN_GROUP6 : IFLA_VXLAN_GROUP, g);
    }
    if (op.vxlanLocal) {
      IpAddr l = ParseIp(*op.vxlanLocal, AF_UNSPEC);
      PutIp(m, l.family == AF_INET6 ? IFLA_VXLAN_LOCAL6 : IFLA_VXLAN_LOCAL, l);
    }
    if (op.vxlanPort) m.PutU16(IFLA_VXLAN_PORT, htons(static_cast<uint16_t>(*op.vxlanPort)));
    if (op.vxlanDev) m.PutU32(IFLA_VXLAN_LINK, LinkIndex(nl, *op.vxlanDev, "dev " + Quote(*op.vxlanDev)));
    if (op.vxlanLearning) m.PutU8(IFLA_VXLAN_LEARNING, *op.vxlanLearning ? 1 : 0);
    m.EndNest(data);
  } else if (op.linkKind == "bridge" && op.vlanFiltering) {
    size_t data = m.BeginNest(IFLA_INFO_DATA);
    m.PutU8(IFLA_BR_VLAN_FILTERING, *op.vlanFiltering ? 1 : 0);
    m.EndNest(data);
  }
  m.EndNest(info);
  nl.Request(m);
}

void LinkDel(NlSocket& nl, const Op& op) {
  NlMsg m(RTM_DELLINK, 0);
  m.Header(ifinfomsg{});
  m.PutStr(IFLA_IFNAME, op.name);
  nl.Request(m);
}

void SetFlags(NlSocket& nl, uint32_t index, unsigned change, unsigned flags) {
  NlMsg m(RTM_SETLINK, 0);
  ifinfomsg ifi{};
  ifi.ifi_index = static_cast<int>(index);
  ifi.ifi_change = change;
  ifi.ifi_flags = flags;
  m.Header(ifi);
  nl.Request(m);
}

// Order matters to the kernel: a link must be down to be renamed, enslaved before its port
// mode can be set, and once moved to another netns it has no index here any more. So: down,
// then attributes, then bridge options, then hairpin, then the move (which carries `up`
// along, as `ip link set X netns N up` does: the kernel moves the link first and then
// applies the flags there).
void LinkSet(NlSocket& nl, const Op& op) {
  uint32_t index = LinkIndex(nl, op.name);
  if (op.up && !*op.up) SetFlags(nl, index, IFF_UP, 0);

  if (op.mtu || op.mac || op.newName || op.master || op.promisc) {
    NlMsg m(RTM_SETLINK, 0);
    ifinfomsg ifi{};
    ifi.ifi_index = static_cast<int>(index);
    if (op.promisc) {
      ifi.ifi_change = IFF_PROMISC;
      ifi.ifi_flags = *op.promisc ? IFF_PROMISC : 0;
    }
    m.Header(ifi);
    if (op.mtu) m.PutU32(IFLA_MTU, *op.mtu);
    if (op.mac) PutMac(m, IFLA_ADDRESS, *op.mac);
    if (op.newName) m.PutStr(IFLA_IFNAME, *op.newName);  // addressed by index: a rename
    if (op.master) m.PutU32(IFLA_MASTER, op.master->empty() ? 0 : LinkIndex(nl, *op.master, "master " + Quote(*op.master)));
    nl.Request(m);
  }

  if (op.vlanFiltering) {
    // What `ip link set X type bridge vlan_filtering N` sends: a changelink of the bridge's own
    // data. The kernel refuses it with EOPNOTSUPP when X is not a bridge, or when it was built
    // without CONFIG_BRIDGE_VLAN_FILTERING.
    NlMsg m(RTM_NEWLINK, 0);
    ifinfomsg ifi{};
    ifi.ifi_index = static_cast<int>(index);
    m.Header(ifi);
    size_t info = m.BeginNest(IFLA_LINKINFO);
    m.PutStr(IFLA_INFO_KIND, "bridge");
    size_t data = m.BeginNest(IFLA_INFO_DATA);
    m.PutU8(IFLA_BR_VLAN_FILTERING, *op.vlanFiltering ? 1 : 0);
    m.EndNest(data);
    m.EndNest(info);
    nl.Request(m);
  }

  if (op.hairpin) {
    // What `bridge link set dev X hairpin on` sends: the bridge port's own protinfo.
    NlMsg m(RTM_SETLINK, 0);
    ifinfomsg ifi{};
    ifi.ifi_family = AF_BRIDGE;
    ifi.ifi_index = static_cast<int>(index);
    m.Header(ifi);
    size_t protinfo = m.BeginNest(IFLA_PROTINFO);
    m.PutU8(IFLA_BRPORT_MODE, *op.hairpin ? 1 : 0);
    m.EndNest(protinfo);
    nl.Request(m);
  }

  bool up = op.up && *op.up;
  if (op.netns) {
    Fd ns = OpenPin(*op.netns);
    NlMsg m(RTM_SETLINK, 0);
    ifinfomsg ifi{};
    ifi.ifi_index = static_cast<int>(index);
    if (up) ifi.ifi_change = ifi.ifi_flags = IFF_UP;
    m.Header(ifi);
    m.PutU32(IFLA_NET_NS_FD, static_cast<uint32_t>(ns.Get()));
    nl.Request(m);
  } else if (up) {
    SetFlags(nl, index, IFF_UP, IFF_UP);
  }
}

// What `bridge vlan add|del dev X vid N [pvid] [untagged]` sends: the port's AF_BRIDGE
// af_spec, handled by X's bridge master (EOPNOTSUPP when X has none). The kernel ignores a
// delete of a VLAN the port does not have.
void BridgeVlanChange(NlSocket& nl, const Op& op) {
  bool add = op.kind == OpKind::BridgeVlanAdd;
  uint32_t index = LinkIndex(nl, op.name);
  NlMsg m(add ? RTM_SETLINK : RTM_DELLINK, 0);
  ifinfomsg ifi{};
  ifi.ifi_family = AF_BRIDGE;
  ifi.ifi_index = static_cast<int>(index);
  m.Header(ifi);
  size_t spec = m.BeginNest(IFLA_AF_SPEC);
  bridge_vlan_info info{};
  info.vid = op.vid;
  if (op.pvid) info.flags |= BRIDGE_VLAN_INFO_PVID;
  if (op.untagged) info.flags |= BRIDGE_VLAN_INFO_UNTAGGED;
  m.Put(IFLA_BRIDGE_VLAN_INFO, &info, sizeof info);
  m.EndNest(spec);
  nl.Request(m);
}

// --- addresses and routes --------------------------------------------------------------

void AddrChange(NlSocket& nl, const Op& op) {
  bool add = op.kind == OpKind::AddrAdd;
  IpAddr a = ParseIp(op.address, AF_UNSPEC);
  std::optional<IpAddr> brd;
  if (op.broadcast) brd = ParseIp(*op.broadcast, AF_INET);
  uint32_t index = LinkIndex(nl, op.name);

  NlMsg m(add ? RTM_NEWADDR : RTM_DELADDR, add ? NLM_F_CREATE | NLM_F_EXCL : 0);
  ifaddrmsg ifa{};
  ifa.ifa_family = static_cast<uint8_t>(a.family);
  ifa.ifa_prefixlen = static_cast<uint8_t>(op.prefixLen);
  ifa.ifa_scope = static_cast<uint8_t>(op.scope.value_or(RT_SCOPE_UNIVERSE));
  ifa.ifa_index = index;
  if (op.noDad) ifa.ifa_flags = IFA_F_NODAD;
  m.Header(ifa);
  if (a.family == AF_INET) PutIp(m, IFA_LOCAL, a);
  PutIp(m, IFA_ADDRESS, a);
  if (brd) PutIp(m, IFA_BROADCAST, *brd);
  if (op.noDad) m.PutU32(IFA_FLAGS, IFA_F_NODAD);
  nl.Request(m);
}

// Defaults as iproute2: a delete matches on what it is told and nothing else (scope
// nowhere, protocol and type unspecified), an add is a boot-protocol unicast route.
void RouteChange(NlSocket& nl, const Op& op) {
  bool del = op.kind == OpKind::RouteDel;
  int af = Family(op.family);
  uint32_t table = op.table.value_or(RT_TABLE_MAIN);

  uint16_t flags = op.kind == OpKind::RouteAdd       ? NLM_F_CREATE | NLM_F_EXCL
                   : op.kind == OpKind::RouteReplace ? NLM_F_CREATE | NLM_F_REPLACE
                                                     : 0;
  NlMsg m(del ? RTM_DELROUTE : RTM_NEWROUTE, flags);
  rtmsg r{};
  r.rtm_family = static_cast<uint8_t>(af);
  r.rtm_dst_len = static_cast<uint8_t>(op.dstLen);
  r.rtm_table = static_cast<uint8_t>(table < 256 ? table : RT_TABLE_UNSPEC);
  r.rtm_protocol = static_cast<uint8_t>(op.protocol.value_or(del ? RTPROT_UNSPEC : RTPROT_BOOT));
  r.rtm_scope = static_cast<uint8_t>(op.scope.value_or(del ? RT_SCOPE_NOWHERE : RT_SCOPE_UNIVERSE));
  r.rtm_type = del ? RTN_UNSPEC : RTN_UNICAST;
  m.Header(r);
  m.PutU32(RTA_TABLE, table);
  if (op.dstLen > 0 || !op.dst.empty()) PutIp(m, RTA_DST, ParseIp(op.dst, af));
  if (op.gateway) PutIp(m, RTA_GATEWAY, ParseIp(*op.gateway, af));
  if (op.src) PutIp(m, RTA_PREFSRC, ParseIp(*op.src, af));
  if (op.metric) m.PutU32(RTA_PRIORITY, *op.metric);
  if (op.dev) m.PutU32(RTA_OIF, LinkIndex(nl, *op.dev, "dev " + Quote(*op.dev)));
  nl.Request(m);
}

// --- sysctls (net ones follow the thread's netns) ---------------------------------------

void SysctlSet(const Op& op) {
  std::string file = "/proc/sys/" + op.path;
  Fd fd(::open(file.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.Valid()) FailErrno("open");
  ssize_t n;
  do {
    n = ::write(fd.Get(), op.value.data(), op.value.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) FailErrno("write");
  if (static_cast<size_t>(n) != op.value.size()) Fail(EIO, "write", "", "short write");
}

std::string SysctlGet(const Op& op) {
  std::string file = "/proc/sys/" + op.path;
  Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.Valid()) FailErrno("open");
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd.Get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) FailErrno("read");
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// --- dumps -----------------------------------------------------------------------------

template <typename T>
std::vector<T> DumpAll(NlSocket& nl, const std::function<NlMsg()>& request,
                       const std::function<void(const nlmsghdr*, std::vector<T>&)>& parse) {
  std::vector<T> out;
  for (int attempt = 0; attempt < kDumpAttempts; attempt++) {
    out.clear();
    NlMsg m = request();
    if (nl.Dump(m, [&](const nlmsghdr* h) { parse(h, out); })) return out;
  }
  Fail(EINTR, "netlink", "", "dump kept being interrupted by concurrent changes");
}

const char* OperState(uint8_t s) {
  static const char* const names[] = {"UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP"};
  return s < sizeof names / sizeof names[0] ? names[s] : "UNKNOWN";
}

void ParseLink(const nlmsghdr* h, std::vector<Link>& out) {
  if (h->nlmsg_type != RTM_NEWLINK || h->nlmsg_len < NLMSG_LENGTH(sizeof(ifinfomsg))) return;
  auto* ifi = static_cast<const ifinfomsg*>(NLMSG_DATA(h));
  Link l;
  l.index = static_cast<uint32_t>(ifi->ifi_index);
  l.flags = ifi->ifi_flags;
  l.operstate = "UNKNOWN";
  std::string slaveKind;
  std::optional<NlAttrs::Attr> data, slaveData;
  NlAttrs::After<ifinfomsg>(h).ForEach([&](const NlAttrs::Attr& a) {
    switch (a.type) {
      case IFLA_IFNAME: l.name = a.Str(); break;
      case IFLA_MTU: l.mtu = a.U32(); break;
      case IFLA_ADDRESS: l.mac = MacText(a.data, a.len); break;
      case IFLA_MASTER: l.master = a.U32(); break;
      case IFLA_OPERSTATE: l.operstate = OperState(a.U8()); break;
      case IFLA_LINK: l.parent = a.U32(); break;
      case IFLA_LINKINFO:
        a.Nested().ForEach([&](const NlAttrs::Attr& i) {
          if (i.type == IFLA_INFO_KIND) l.kind = i.Str();
          if (i.type == IFLA_INFO_DATA) data = i;
          if (i.type == IFLA_INFO_SLAVE_KIND) slaveKind = i.Str();
          if (i.type == IFLA_INFO_SLAVE_DATA) slaveData = i;
        });
        break;
    }
  });
  // vxlan has no IFLA_LINK; its underlay is only in its own data.
  if (l.kind == "vxlan" && l.parent == 0 && data) {
    data->Nested().ForEach([&](const NlAttrs::Attr& v) {
      if (v.type == IFLA_VXLAN_LINK) l.parent = v.U32();
    });
  }
  if (l.kind == "bridge") {
    l.vlanFiltering = false;
    if (data) {
      data->Nested().ForEach([&](const NlAttrs::Attr& b) {
        if (b.type == IFLA_BR_VLAN_FILTERING) l.vlanFiltering = b.U8() != 0;
      });
    }
  }
  if (slaveKind == "bridge" && slaveData) {
    slaveData->Nested().ForEach([&](const NlAttrs::Attr& p) {
      if (p.type == IFLA_BRPORT_MODE) l.hairpin = p.U8() != 0;
    });
  }
  out.push_back(std::move(l));
}

std::vector<Link> LinkList(NlSocket& nl) {
  return DumpAll<Link>(
      nl,
      [] {
        NlMsg m(RTM_GETLINK, 0);
        m.Header(ifinfomsg{});
        m.PutU32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
        return m;
      },
      ParseLink);
}

// The VLANs of every bridge port and bridge, one entry per VLAN (RTEXT_FILTER_BRVLAN, not the
// _COMPRESSED form, though a range is expanded all the same if one comes).
std::vector<BridgeVlan> BridgeVlanList(NlSocket& nl) {
  return DumpAll<BridgeVlan>(
      nl,
      [] {
        NlMsg m(RTM_GETLINK, 0);
        ifinfomsg ifi{};
        ifi.ifi_family = AF_BRIDGE;
        m.Header(ifi);
        m.PutU32(IFLA_EXT_MASK, RTEXT_FILTER_BRVLAN);
        return m;
      },
      [](const nlmsghdr* h, std::vector<BridgeVlan>& out) {
        if (h->nlmsg_type != RTM_NEWLINK || h->nlmsg_len < NLMSG_LENGTH(sizeof(ifinfomsg))) return;
        auto* ifi = static_cast<const ifinfomsg*>(NLMSG_DATA(h));
        if (ifi->ifi_family != AF_BRIDGE) return;
        uint16_t rangeStart = 0;
        NlAttrs::After<ifinfomsg>(h).ForEach([&](const NlAttrs::Attr& a) {
          if (a.type != IFLA_AF_SPEC) return;
          a.Nested().ForEach([&](const NlAttrs::Attr& v) {
            if (v.type != IFLA_BRIDGE_VLAN_INFO || v.len < sizeof(bridge_vlan_info)) return;
            bridge_vlan_info info;
            std::memcpy(&info, v.data, sizeof info);
            if (info.flags & BRIDGE_VLAN_INFO_RANGE_BEGIN) {
              rangeStart = info.vid;
              return;
            }
            uint16_t first = (info.flags & BRIDGE_VLAN_INFO_RANGE_END) && rangeStart ? rangeStart : info.vid;
            rangeStart = 0;
            for (uint32_t vid = first; vid <= info.vid; vid++) {
              BridgeVlan b;
              b.index = static_cast<uint32_t>(ifi->ifi_index);
              b.vid = static_cast<uint16_t>(vid);
              b.pvid = (info.flags & BRIDGE_VLAN_INFO_PVID) != 0;
              b.untagged = (info.flags & BRIDGE_VLAN_INFO_UNTAGGED) != 0;
              out.push_back(b);
            }
          });
        });
      });
}

std::vector<Addr> AddrList(NlSocket& nl, const Op& op) {
  int af = Family(op.family);
  return DumpAll<Addr>(
      nl,
      [af] {
        NlMsg m(RTM_GETADDR, 0);
        ifaddrmsg ifa{};
        ifa.ifa_family = static_cast<uint8_t>(af);
        m.Header(ifa);
        return m;
      },
      [af](const nlmsghdr* h, std::vector<Addr>& out) {
        if (h->nlmsg_type != RTM_NEWADDR || h->nlmsg_len < NLMSG_LENGTH(sizeof(ifaddrmsg))) return;
        auto* ifa = static_cast<const ifaddrmsg*>(NLMSG_DATA(h));
        if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6) return;
        if (af != AF_UNSPEC && ifa->ifa_family != af) return;
        Addr a;
        a.index = ifa->ifa_index;
        a.family = ifa->ifa_family == AF_INET6 ? 6 : 4;
        a.prefixLen = ifa->ifa_prefixlen;
        a.scope = ifa->ifa_scope;
        a.flags = ifa->ifa_flags;
        std::string local, address;
        NlAttrs::After<ifaddrmsg>(h).ForEach([&](const NlAttrs::Attr& at) {
          if (at.type == IFA_LOCAL) local = IpText(ifa->ifa_family, at.data, at.len);
          if (at.type == IFA_ADDRESS) address = IpText(ifa->ifa_family, at.data, at.len);
          if (at.type == IFA_FLAGS) a.flags = at.U32();  // the full 32 bits; ifa_flags has 8
        });
        // For v4 IFA_ADDRESS is the peer on point-to-point links; IFA_LOCAL is ours.
        a.address = !local.empty() && ifa->ifa_family == AF_INET ? local : address;
        out.push_back(std::move(a));
      });
}

std::vector<Route> RouteList(NlSocket& nl, const Op& op) {
  int af = Family(op.family);
  uint32_t wanted = op.table.value_or(0);
  return DumpAll<Route>(
      nl,
      [af] {
        NlMsg m(RTM_GETROUTE, 0);
        rtmsg r{};
        r.rtm_family = static_cast<uint8_t>(af);
        m.Header(r);
        return m;
      },
      [af, wanted](const nlmsghdr* h, std::vector<Route>& out) {
        if (h->nlmsg_type != RTM_NEWROUTE || h->nlmsg_len < NLMSG_LENGTH(sizeof(rtmsg))) return;
        auto* rt = static_cast<const rtmsg*>(NLMSG_DATA(h));
        if (rt->rtm_family != AF_INET && rt->rtm_family != AF_INET6) return;
        if (af != AF_UNSPEC && rt->rtm_family != af) return;
        if (rt->rtm_flags & RTM_F_CLONED) return;
        Route r;
        r.family = rt->rtm_family == AF_INET6 ? 6 : 4;
        r.dstLen = rt->rtm_dst_len;
        r.scope = rt->rtm_scope;
        r.table = rt->rtm_table;
        r.protocol = rt->rtm_protocol;
        r.type = rt->rtm_type;
        NlAttrs::After<rtmsg>(h).ForEach([&](const NlAttrs::Attr& a) {
          switch (a.type) {
            case RTA_DST: r.dst = IpText(rt->rtm_family, a.data, a.len); break;
            case RTA_GATEWAY: r.gateway = IpText(rt->rtm_family, a.data, a.len); break;
            case RTA_PREFSRC: r.src = IpText(rt->rtm_family, a.data, a.len); break;
            case RTA_OIF: r.oif = a.U32(); break;
            case RTA_PRIORITY: r.metric = a.U32(); break;
            case RTA_TABLE: r.table = a.U32(); break;
          }
        });
        if (wanted != 0 && r.table != wanted) return;
        out.push_back(std::move(r));
      });
}

// --- dispatch --------------------------------------------------------------------------

std::string Describe(const Op& op) {
  switch (op.kind) {
    case OpKind::LinkAdd: return "linkAdd " + Quote(op.name);
    case OpKind::LinkDel: return "linkDel " + Quote(op.name);
    case OpKind::LinkSet: return "linkSet " + Quote(op.name);
    case OpKind::AddrAdd:
    case OpKind::AddrDel:
      return std::string(op.kind == OpKind::AddrAdd ? "addrAdd " : "addrDel ") + op.address + "/" +
             std::to_string(op.prefixLen) + " dev " + Quote(op.name);
    case OpKind::RouteAdd:
    case OpKind::RouteReplace:
    case OpKind::RouteDel: {
      std::string s = op.kind == OpKind::RouteAdd ? "routeAdd " : op.kind == OpKind::RouteDel ? "routeDel " : "routeReplace ";
      s += op.dst.empty() && op.dstLen == 0 ? std::string("default") : op.dst + "/" + std::to_string(op.dstLen);
      if (op.gateway) s += " via " + *op.gateway;
      if (op.dev) s += " dev " + Quote(*op.dev);
      if (op.table) s += " table " + std::to_string(*op.table);
      return s;
    }
    case OpKind::SysctlSet: return "sysctlSet " + op.path;
    case OpKind::SysctlGet: return "sysctlGet " + op.path;
    case OpKind::BridgeVlanAdd:
    case OpKind::BridgeVlanDel:
      return std::string(op.kind == OpKind::BridgeVlanAdd ? "bridgeVlanAdd" : "bridgeVlanDel") + " vid " +
             std::to_string(op.vid) + " dev " + Quote(op.name);
    case OpKind::LinkList: return "linkList";
    case OpKind::AddrList: return "addrList";
    case OpKind::RouteList: return "routeList";
    case OpKind::BridgeVlanList: return "bridgeVlanList";
  }
  return "op";
}

OpResult RunOp(NlSocket& nl, const Op& op) {
  switch (op.kind) {
    case OpKind::LinkAdd: LinkAdd(nl, op); break;
    case OpKind::LinkDel: LinkDel(nl, op); break;
    case OpKind::LinkSet: LinkSet(nl, op); break;
    case OpKind::AddrAdd:
    case OpKind::AddrDel: AddrChange(nl, op); break;
    case OpKind::RouteAdd:
    case OpKind::RouteReplace:
    case OpKind::RouteDel: RouteChange(nl, op); break;
    case OpKind::SysctlSet: SysctlSet(op); break;
    case OpKind::SysctlGet: return SysctlGet(op);
    case OpKind::BridgeVlanAdd:
    case OpKind::BridgeVlanDel: BridgeVlanChange(nl, op); break;
    case OpKind::LinkList: return LinkList(nl);
    case OpKind::AddrList: return AddrList(nl, op);
    case OpKind::RouteList: return RouteList(nl, op);
    case OpKind::BridgeVlanList: return BridgeVlanList(nl);
  }
  return std::monostate{};
}

}  // namespace

BatchOutcome RunOps(const std::optional<std::string>& netnsPath, const std::vector<Op>& ops) {
  BatchOutcome out;
  try {
    // Declared in this order so the socket is closed before the thread leaves the netns.
    std::optional<NetnsScope> inside;
    if (netnsPath) inside.emplace(*netnsPath);
    NlSocket nl;  // opened after setns: it belongs to the target netns for its whole life
    for (size_t i = 0; i < ops.size(); i++) {
      try {
        out.results.push_back(RunOp(nl, ops[i]));
      } catch (SysError& e) {
        // Results so far travel with the failure: the caller may need them to undo.
        e.Within(Describe(ops[i])).opIndex = static_cast<int>(i);
        out.failure = e;
        return out;
      }
    }
  } catch (SysError& e) {
    if (e.opIndex < 0) e.Within("nsApply");
    out.failure = e;
  }
  return out;
}

// --- fsApply ---------------------------------------------------------------------------

namespace {

timespec Ts(int64_t ns) {
  timespec t{};
  t.tv_sec = static_cast<time_t>(ns / 1000000000);
  t.tv_nsec = static_cast<long>(ns % 1000000000);
  if (t.tv_nsec < 0) {  // before 1970: keep tv_nsec in [0, 1e9)
    t.tv_sec -= 1;
    t.tv_nsec += 1000000000;
  }
  return t;
}

void RunFsOp(const FsOp& op) {
  const char* path = op.path.c_str();
  switch (op.kind) {
    case FsOpKind::Mknod:
      if (::mknod(path, static_cast<mode_t>(op.mode), static_cast<dev_t>(op.dev)) < 0) FailErrno("mknod");
      break;
    case FsOpKind::Lsetxattr:
      if (::lsetxattr(path, op.name.c_str(), op.value.data(), op.value.size(), 0) < 0) FailErrno("lsetxattr");
      break;
    case FsOpKind::Lchown:
      if (::lchown(path, op.uid, op.gid) < 0) FailErrno("lchown");
      break;
    case FsOpKind::Chmod:
      // No flag: fchmodat cannot change a symlink's mode, and callers never ask it to.
      if (::fchmodat(AT_FDCWD, path, static_cast<mode_t>(op.mode), 0) < 0) FailErrno("chmod");
      break;
    case FsOpKind::Lutimes: {
      timespec times[2] = {Ts(op.atimeNs), Ts(op.mtimeNs)};
      if (::utimensat(AT_FDCWD, path, times, AT_SYMLINK_NOFOLLOW) < 0) FailErrno("utimensat");
      break;
    }
  }
}

const char* FsOpName(FsOpKind k) {
  switch (k) {
    case FsOpKind::Mknod: return "mknod";
    case FsOpKind::Lsetxattr: return "lsetxattr";
    case FsOpKind::Lchown: return "lchown";
    case FsOpKind::Chmod: return "chmod";
    case FsOpKind::Lutimes: return "lutimes";
  }
  return "?";
}

}  // namespace

std::optional<SysError> RunFsOps(const std::vector<FsOp>& ops) {
  for (size_t i = 0; i < ops.size(); i++) {
    try {
      RunFsOp(ops[i]);
    } catch (SysError& e) {
      std::string what = std::string(FsOpName(ops[i].kind)) + " " + Quote(ops[i].path);
      if (ops[i].kind == FsOpKind::Lsetxattr) what += " " + ops[i].name;
      e.Within(what).opIndex = static_cast<int>(i);
      return e;
    }
  }
  return std::nullopt;
}

}  // namespace skiff

// --- stdio ---------------------------------------------------------------------------------

namespace skiff {

int SeqpacketConnect(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  // The directory's fd stands in for its path: sun_path holds only 108 bytes (as conmon binds it).
  Fd dirFd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dirFd.Valid()) FailErrno("open", ("\"" + dir + "\"").c_str());
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::string proc = "/proc/self/fd/" + std::to_string(dirFd.Get()) + "/" + name;
  if (proc.size() >= sizeof(addr.sun_path)) Fail(ENAMETOOLONG, "connect", "\"" + path + "\"");
  std::memcpy(addr.sun_path, proc.c_str(), proc.size() + 1);
  Fd sock(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (!sock.Valid()) FailErrno("socket");
  while (::connect(sock.Get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) < 0) {
    if (errno != EINTR) FailErrno("connect", ("\"" + path + "\"").c_str());
  }
  return sock.Release();
}

std::optional<std::string> FdRecv(int fd, size_t max) {
  std::string buf(max, '\0');
  for (;;) {
    ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n > 0) {
      buf.resize(static_cast<size_t>(n));
      return buf;
    }
    if (n == 0) return std::nullopt;
    if (errno != EINTR) FailErrno("recv");
  }
}

void FdSend(int fd, const std::string& data) {
  for (;;) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n >= 0) return;  // SOCK_SEQPACKET: all or nothing
    if (errno != EINTR) FailErrno("send");
  }
}

Pty OpenPty() {
  Fd master(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!master.Valid()) FailErrno("posix_openpt");
  if (::grantpt(master.Get()) < 0) FailErrno("grantpt");
  if (::unlockpt(master.Get()) < 0) FailErrno("unlockpt");
  char name[128];
  if (int err = ::ptsname_r(master.Get(), name, sizeof(name))) Fail(err, "ptsname_r");
  Fd slave(::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!slave.Valid()) FailErrno("open", name);
  // Raw from the start: the terminal that matters is the one inside the container; this one
  // only carries bytes (no echo, no \n -> \r\n a second time).
  termios t{};
  if (::tcgetattr(slave.Get(), &t) < 0) FailErrno("tcgetattr");
  ::cfmakeraw(&t);
  if (::tcsetattr(slave.Get(), TCSANOW, &t) < 0) FailErrno("tcsetattr");
  return Pty{master.Release(), slave.Release()};
}

}  // namespace skiff
