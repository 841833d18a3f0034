// Exports and the JS <-> C++ conversions. Everything that touches napi lives here and runs
// on the JS thread; the work itself runs in ThreadJob threads (thread.h).
#include <napi.h>
#include <sys/mount.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>

#include <cmath>
#include <cstring>
#include <map>

#include "errors.h"
#include "mount.h"
#include "netns.h"
#include "ops.h"
#include "thread.h"

namespace skiff {

// --- errors ----------------------------------------------------------------------------

std::string SysError::Message() const {
  const char* desc = ::strerrordesc_np(err);
  std::string msg = what.empty() ? "" : what + ": ";
  msg += desc ? desc : "Unknown error " + std::to_string(err);
  if (!detail.empty()) msg += " (" + detail + ")";
  return msg;
}

Napi::Error ToJsError(Napi::Env env, const SysError& e) {
  Napi::Error error = Napi::Error::New(env, e.Message());
  Napi::Object o = error.Value();
  const char* name = ::strerrorname_np(e.err);
  o.Set("code", name ? std::string(name) : "E" + std::to_string(e.err));
  o.Set("errno", e.err);
  o.Set("syscall", e.syscall);
  if (e.opIndex >= 0) o.Set("opIndex", e.opIndex);
  return error;
}

namespace {

// --- arguments -------------------------------------------------------------------------
//
// No policy here: only what keeps a wrong type from crashing or being silently mangled.
// A bad argument rejects like the kernel would, with EINVAL (syscall 'args').

struct ArgError {
  std::string message;
};

std::optional<std::string> OptStr(const Napi::Value& v, const std::string& key) {
  if (v.IsUndefined() || v.IsNull()) return std::nullopt;
  if (!v.IsString()) throw ArgError{key + " must be a string"};
  return v.As<Napi::String>().Utf8Value();
}
std::optional<std::string> OptStr(const Napi::Object& o, const char* key) { return OptStr(o.Get(key), key); }

std::string Str(const Napi::Value& v, const std::string& key) {
  auto s = OptStr(v, key);
  if (!s) throw ArgError{key + " must be a string"};
  return *s;
}
std::string Str(const Napi::Object& o, const char* key) { return Str(o.Get(key), key); }

std::optional<uint32_t> OptU32(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return std::nullopt;
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
  if (!(d >= 0 && d <= 4294967295.0 && std::floor(d) == d)) throw ArgError{std::string(key) + " must be an integer in [0, 2^32)"};
  return static_cast<uint32_t>(d);
}
uint32_t U32(const Napi::Object& o, const char* key) {
  auto n = OptU32(o, key);
  if (!n) throw ArgError{std::string(key) + " must be a number"};
  return *n;
}

std::optional<bool> OptBool(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return std::nullopt;
  if (!v.IsBoolean()) throw ArgError{std::string(key) + " must be a boolean"};
  return v.As<Napi::Boolean>().Value();
}

int FamilyArg(const Napi::Object& o, bool allowAny) {
  auto f = OptU32(o, "family");
  if (!f && allowAny) return 0;
  if (f && (*f == 4 || *f == 6 || (*f == 0 && allowAny))) return static_cast<int>(*f);
  throw ArgError{allowAny ? "family must be 0, 4 or 6" : "family must be 4 or 6"};
}

const std::map<std::string, OpKind> kOpNames = {
    {"linkAdd", OpKind::LinkAdd},     {"linkDel", OpKind::LinkDel},           {"linkSet", OpKind::LinkSet},
    {"addrAdd", OpKind::AddrAdd},     {"addrDel", OpKind::AddrDel},           {"routeAdd", OpKind::RouteAdd},
    {"routeReplace", OpKind::RouteReplace}, {"routeDel", OpKind::RouteDel},   {"sysctlSet", OpKind::SysctlSet},
    {"sysctlGet", OpKind::SysctlGet}, {"linkList", OpKind::LinkList},         {"addrList", OpKind::AddrList},
    {"routeList", OpKind::RouteList}, {"bridgeVlanAdd", OpKind::BridgeVlanAdd}, {"bridgeVlanDel", OpKind::BridgeVlanDel},
    {"bridgeVlanList", OpKind::BridgeVlanList},
};

Op ToOp(const Napi::Value& v) {
  if (!v.IsObject()) throw ArgError{"op must be an object"};
  Napi::Object o = v.As<Napi::Object>();
  auto kind = kOpNames.find(Str(o, "op"));
  if (kind == kOpNames.end()) throw ArgError{"unknown op " + Str(o, "op")};
  Op op;
  op.kind = kind->second;
  switch (op.kind) {
    case OpKind::LinkAdd:
      op.name = Str(o, "name");
      op.linkKind = Str(o, "kind");
      op.mtu = OptU32(o, "mtu");
      op.mac = OptStr(o, "mac");
      op.peerName = OptStr(o, "peerName");
      op.peerNetns = OptStr(o, "peerNetns");
      op.peerMac = OptStr(o, "peerMac");
      op.vxlanId = OptU32(o, "vxlanId");
      op.vxlanLocal = OptStr(o, "vxlanLocal");
      op.vxlanGroup = OptStr(o, "vxlanGroup");
      op.vxlanPort = OptU32(o, "vxlanPort");
      op.vxlanDev = OptStr(o, "vxlanDev");
      op.vxlanLearning = OptBool(o, "vxlanLearning");
      op.vlanFiltering = OptBool(o, "vlanFiltering");
      break;
    case OpKind::LinkDel:
      op.name = Str(o, "name");
      break;
    case OpKind::LinkSet:
      op.name = Str(o, "name");
      op.up = OptBool(o, "up");
      op.mtu = OptU32(o, "mtu");
      op.mac = OptStr(o, "mac");
      op.master = OptStr(o, "master");
      op.netns = OptStr(o, "netns");
      op.newName = OptStr(o, "newName");
      op.promisc = OptBool(o, "promisc");
      op.hairpin = OptBool(o, "hairpin");
      op.vlanFiltering = OptBool(o, "vlanFiltering");
      break;
    case OpKind::AddrAdd:
    case OpKind::AddrDel:
      op.name = Str(o, "dev");
      op.address = Str(o, "address");
      op.prefixLen = U32(o, "prefixLen");
      op.scope = OptU32(o, "scope");
      op.broadcast = OptStr(o, "broadcast");
      op.noDad = OptBool(o, "noDad").value_or(false);
      break;
    case OpKind::RouteAdd:
    case OpKind::RouteReplace:
    case OpKind::RouteDel:
      op.family = FamilyArg(o, false);
      op.dst = Str(o, "dst");
      op.dstLen = U32(o, "dstLen");
      op.gateway = OptStr(o, "gateway");
      op.dev = OptStr(o, "dev");
      op.scope = OptU32(o, "scope");
      op.table = OptU32(o, "table");
      op.metric = OptU32(o, "metric");
      op.src = OptStr(o, "src");
      op.protocol = OptU32(o, "protocol");
      break;
    case OpKind::SysctlSet:
      op.path = Str(o, "path");
      op.value = Str(o, "value");
      break;
    case OpKind::SysctlGet:
      op.path = Str(o, "path");
      break;
    case OpKind::BridgeVlanAdd:
    case OpKind::BridgeVlanDel: {
      op.name = Str(o, "dev");
      uint32_t vid = U32(o, "vid");
      if (vid > 0xffff) throw ArgError{"vid must fit in 16 bits"};  // the kernel judges 1..4094
      op.vid = static_cast<uint16_t>(vid);
      op.pvid = OptBool(o, "pvid").value_or(false);
      op.untagged = OptBool(o, "untagged").value_or(false);
      break;
    }
    case OpKind::LinkList:
    case OpKind::BridgeVlanList:
      break;
    case OpKind::AddrList:
      op.family = FamilyArg(o, true);
      break;
    case OpKind::RouteList:
      op.family = FamilyArg(o, true);
      op.table = OptU32(o, "table");
      break;
  }
  return op;
}

// --- results ---------------------------------------------------------------------------

Napi::Value ToJs(Napi::Env env, const Link& l) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("index", l.index);
  o.Set("name", l.name);
  o.Set("kind", l.kind);
  o.Set("mtu", l.mtu);
  o.Set("mac", l.mac);
  o.Set("master", l.master);
  o.Set("operstate", l.operstate);
  o.Set("flags", l.flags);
  o.Set("parent", l.parent);
  if (l.hairpin) o.Set("hairpin", *l.hairpin);
  if (l.vlanFiltering) o.Set("vlanFiltering", *l.vlanFiltering);
  return o;
}

Napi::Value ToJs(Napi::Env env, const BridgeVlan& v) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("index", v.index);
  o.Set("vid", v.vid);
  o.Set("pvid", v.pvid);
  o.Set("untagged", v.untagged);
  return o;
}

Napi::Value ToJs(Napi::Env env, const Addr& a) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("index", a.index);
  o.Set("family", a.family);
  o.Set("address", a.address);
  o.Set("prefixLen", a.prefixLen);
  o.Set("scope", a.scope);
  o.Set("flags", a.flags);
  return o;
}

Napi::Value ToJs(Napi::Env env, const Route& r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("family", r.family);
  o.Set("dst", r.dst);
  o.Set("dstLen", r.dstLen);
  o.Set("gateway", r.gateway);
  o.Set("oif", r.oif);
  o.Set("src", r.src);
  o.Set("scope", r.scope);
  o.Set("table", r.table);
  o.Set("metric", r.metric);
  o.Set("protocol", r.protocol);
  o.Set("type", r.type);
  return o;
}

Napi::Value ToJs(Napi::Env env, const OpResult& r);

template <typename T>
Napi::Value ToJs(Napi::Env env, const std::vector<T>& items) {
  Napi::Array a = Napi::Array::New(env, items.size());
  for (size_t i = 0; i < items.size(); i++) a.Set(static_cast<uint32_t>(i), ToJs(env, items[i]));
  return a;
}

Napi::Value ToJs(Napi::Env env, const OpResult& r) {
  return std::visit(
      [env](const auto& v) -> Napi::Value {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) return env.Undefined();
        else if constexpr (std::is_same_v<T, std::string>) return Napi::String::New(env, v);
        else return ToJs(env, v);
      },
      r);
}

// --- calls -----------------------------------------------------------------------------

Napi::Promise Rejected(Napi::Env env, const SysError& e) {
  auto d = Napi::Promise::Deferred::New(env);
  d.Reject(ToJsError(env, e).Value());
  return d.Promise();
}

Napi::Promise BadArg(Napi::Env env, const char* fn, const ArgError& a, int opIndex = -1) {
  SysError e{EINVAL, "args", std::string(fn) + ": " + a.message};
  e.opIndex = opIndex;
  return Rejected(env, e);
}

using Void = std::monostate;
Napi::Value Undefined(Napi::Env env, Void&) { return env.Undefined(); }

// Runs work on its own thread, naming the call in any error it throws.
Napi::Promise RunVoid(Napi::Env env, std::string name, std::function<void()> work) {
  return ThreadJob<Void>::Start(
      env,
      [name = std::move(name), work = std::move(work)]() -> Void {
        try {
          work();
        } catch (SysError& e) {
          throw e.Within(name);
        }
        return {};
      },
      Undefined);
}

Napi::Value NsApply(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::optional<std::string> netns;
  std::vector<Op> ops;
  int at = -1;  // the op being converted, for opIndex
  try {
    netns = OptStr(info[0], "netnsPath");
    if (!info[1].IsArray()) throw ArgError{"ops must be an array"};
    Napi::Array list = info[1].As<Napi::Array>();
    ops.reserve(list.Length());
    for (uint32_t i = 0; i < list.Length(); i++) {
      at = static_cast<int>(i);
      try {
        ops.push_back(ToOp(list.Get(i)));
      } catch (const ArgError& a) {
        throw ArgError{"op " + std::to_string(i) + ": " + a.message};
      }
    }
  } catch (const ArgError& a) {
    return BadArg(env, "nsApply", a, at);
  }
  return ThreadJob<BatchOutcome>::Start(
      env, [netns = std::move(netns), ops = std::move(ops)] { return RunOps(netns, ops); },
      [](Napi::Env e, BatchOutcome& out) -> Napi::Value {
        if (!out.failure) return ToJs(e, out.results);
        Napi::Error error = ToJsError(e, *out.failure);
        error.Value().Set("results", ToJs(e, out.results));
        throw error;
      });
}

Napi::Value NsPin(const Napi::CallbackInfo& info) {
  std::optional<std::string> net, ipc, uts, hostname;
  try {
    net = OptStr(info[0], "net");
    ipc = OptStr(info[1], "ipc");
    uts = OptStr(info[2], "uts");
    hostname = OptStr(info[3], "hostname");
  } catch (const ArgError& a) {
    return BadArg(info.Env(), "nsPin", a);
  }
  return RunVoid(info.Env(), "nsPin", [=] { PinNamespaces(net, ipc, uts, hostname); });
}

Napi::Value NsUnpin(const Napi::CallbackInfo& info) {
  std::string path;
  try {
    path = Str(info[0], "path");
  } catch (const ArgError& a) {
    return BadArg(info.Env(), "nsUnpin", a);
  }
  return RunVoid(info.Env(), "nsUnpin", [=] { UnpinNamespace(path); });
}

// Mount flags fit in 32 bits, but read them as the unsigned long mount(2) takes.
unsigned long Flags(const Napi::Value& v) {
  if (v.IsUndefined() || v.IsNull()) return 0;
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
  if (!(d >= 0 && d <= 4294967295.0 && std::floor(d) == d)) throw ArgError{"flags must be an integer in [0, 2^32)"};
  return static_cast<unsigned long>(d);
}

Napi::Value MountCall(const Napi::CallbackInfo& info) {
  std::string source, target;
  std::optional<std::string> fstype, data;
  unsigned long flags;
  try {
    source = Str(info[0], "source");
    target = Str(info[1], "target");
    fstype = OptStr(info[2], "fstype");
    flags = Flags(info[3]);
    data = OptStr(info[4], "data");
  } catch (const ArgError& a) {
    return BadArg(info.Env(), "mount", a);
  }
  return RunVoid(info.Env(), "mount", [=] { Mount(source, target, fstype, flags, data); });
}

Napi::Value MountOverlayCall(const Napi::CallbackInfo& info) {
  std::string target;
  std::vector<std::string> lowers;
  std::optional<std::string> upper, work;
  unsigned long flags;
  try {
    target = Str(info[0], "target");
    if (!info[1].IsArray()) throw ArgError{"lowerdirs must be an array"};
    Napi::Array list = info[1].As<Napi::Array>();
    for (uint32_t i = 0; i < list.Length(); i++) lowers.push_back(Str(list.Get(i), "lowerdirs[" + std::to_string(i) + "]"));
    upper = OptStr(info[2], "upperdir");
    work = OptStr(info[3], "workdir");
    flags = Flags(info[4]);
  } catch (const ArgError& a) {
    return BadArg(info.Env(), "mountOverlay", a);
  }
  return RunVoid(info.Env(), "mountOverlay", [=] { MountOverlay(target, lowers, upper, work, flags); });
}

Napi::Value UmountCall(const Napi::CallbackInfo& info) {
  std::string target;
  unsigned long flags;
  try {
    target = Str(info[0], "target");
    flags = Flags(info[1]);
  } catch (const ArgError& a) {
    return BadArg(info.Env(), "umount", a);
  }
  return RunVoid(info.Env(), "umount", [=] { Umount(target, static_cast<int>(flags)); });
}

const std::map<std::string, FsOpKind> kFsOpNames = {
    {"mknod", FsOpKind::Mknod}, {"lsetxattr", FsOpKind::Lsetxattr}, {"lchown", FsOpKind::Lchown},
    {"chmod", FsOpKind::Chmod}, {"lutimes", FsOpKind::Lutimes},
};

// Nanoseconds travel as a decimal string or a bigint: 2^53 ns is only 104 days.
int64_t Nanos(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (v.IsBigInt()) {
    bool lossless = false;
    int64_t n = v.As<Napi::BigInt>().Int64Value(&lossless);
    if (!lossless) throw ArgError{std::string(key) + " is out of range"};
    return n;
  }
  if (v.IsString()) {
    std::string s = v.As<Napi::String>().Utf8Value();
    try {
      size_t used = 0;
      long long n = std::stoll(s, &used);
      if (used == s.size()) return n;
    } catch (const std::exception&) {
    }
  }
  throw ArgError{std::string(key) + " must be a bigint or a decimal string of nanoseconds"};
}

// A path as a string (UTF-8) or a Buffer of raw bytes: a layer's file names need not be UTF-8.
std::string PathBytes(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (!v.IsBuffer()) return Str(o, key);
  auto b = v.As<Napi::Buffer<char>>();
  return std::string(b.Data(), b.Length());
}

FsOp ToFsOp(const Napi::Value& v) {
  if (!v.IsObject()) throw ArgError{"op must be an object"};
  Napi::Object o = v.As<Napi::Object>();
  auto kind = kFsOpNames.find(Str(o, "op"));
  if (kind == kFsOpNames.end()) throw ArgError{"unknown op " + Str(o, "op")};
  FsOp op;
  op.kind = kind->second;
  op.path = PathBytes(o, "path");
  switch (op.kind) {
    case FsOpKind::Mknod:
      op.mode = U32(o, "mode");
      op.dev = makedev(U32(o, "major"), U32(o, "minor"));
      break;
    case FsOpKind::Lsetxattr: {
      op.name = Str(o, "name");
      Napi::Value value = o.Get("value");
      if (value.IsBuffer()) {
        auto b = value.As<Napi::Buffer<char>>();
        op.value.assign(b.Data(), b.Length());
      } else {
        op.value = Str(o, "value");
      }
      break;
    }
    case FsOpKind::Lchown:
      op.uid = U32(o, "uid");
      op.gid = U32(o, "gid");
      break;
    case FsOpKind::Chmod:
      op.mode = U32(o, "mode");
      break;
    case FsOpKind::Lutimes:
      op.atimeNs = Nanos(o, "atimeNs");
      op.mtimeNs = Nanos(o, "mtimeNs");
      break;
  }
  return op;
}

Napi::Value FsApply(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<FsOp> ops;
  int at = -1;
  try {
    if (!info[0].IsArray()) throw ArgError{"ops must be an array"};
    Napi::Array list = info[0].As<Napi::Array>();
    ops.reserve(list.Length());
    for (uint32_t i = 0; i < list.Length(); i++) {
      at = static_cast<int>(i);
      try {
        ops.push_back(ToFsOp(list.Get(i)));
      } catch (const ArgError& a) {
        throw ArgError{"op " + std::to_string(i) + ": " + a.message};
      }
    }
  } catch (const ArgError& a) {
    return BadArg(env, "fsApply", a, at);
  }
  return ThreadJob<Void>::Start(
      env,
      [ops = std::move(ops)]() -> Void {
        if (auto failure = RunFsOps(ops)) throw failure->Within("fsApply");
        return {};
      },
      Undefined);
}

// Synchronous: prctl cannot block, and the answer is wanted before anything is spawned.
Napi::Value SetChildSubreaper(const Napi::CallbackInfo& info) {
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
    int err = errno;
    throw ToJsError(info.Env(), SysError{err, "prctl", "setChildSubreaper"});
  }
  return info.Env().Undefined();
}

// --- stdio for attach and tty exec ---------------------------------------------------------

int FdArg(const Napi::Value& v) {
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
  if (!(d >= 0 && d <= 2147483647.0 && std::floor(d) == d)) throw ArgError{"fd must be a non-negative integer"};
  return static_cast<int>(d);
}

Napi::Value SeqpacketConnectCall(const Napi::CallbackInfo& info) {
  std::string path;
  try {
    path = Str(info[0], "path");
  } catch (const ArgError& a) {
    return BadArg(info.Env(), "seqpacketConnect", a);
  }
  return ThreadJob<int>::Start(
      info.Env(),
      [path]() -> int {
        try {
          return SeqpacketConnect(path);
        } catch (SysError& e) {
          throw e.Within("seqpacketConnect");
        }
      },
      [](Napi::Env e, int& fd) -> Napi::Value { return Napi::Number::New(e, fd); });
}

Napi::Value FdRecvCall(const Napi::CallbackInfo& info) {
  int fd;
  size_t max;
  try {
    fd = FdArg(info[0]);
    double d = info[1].IsNumber() ? info[1].As<Napi::Number>().DoubleValue() : -1;
    if (!(d >= 1 && d <= 16777216.0 && std::floor(d) == d)) throw ArgError{"max must be an integer in [1, 16 MiB]"};
    max = static_cast<size_t>(d);
  } catch (const ArgError& a) {
    return BadArg(info.Env(), "fdRecv", a);
  }
  using Packet = std::optional<std::string>;
  return ThreadJob<Packet>::Start(
      info.Env(),
      [fd, max]() -> Packet {
        try {
          return FdRecv(fd, max);
        } catch (SysError& e) {
          throw e.Within("fdRecv");
        }
      },
      [](Napi::Env e, Packet& p) -> Napi::Value {
        if (!p) return e.Null();
        return Napi::Buffer<char>::Copy(e, p->data(), p->size());
      });
}

Napi::Value FdSendCall(const Napi::CallbackInfo& info) {
  int fd;
  std::string data;
  try {
    fd = FdArg(info[0]);
    if (!info[1].IsBuffer()) throw ArgError{"data must be a Buffer"};
    auto b = info[1].As<Napi::Buffer<char>>();
    data.assign(b.Data(), b.Length());
  } catch (const ArgError& a) {
    return BadArg(info.Env(), "fdSend", a);
  }
  return RunVoid(info.Env(), "fdSend", [fd, data = std::move(data)] { FdSend(fd, data); });
}

// Synchronous: shutdown(2) never blocks; it is what wakes a thread blocked in fdRecv.
Napi::Value FdShutdownCall(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd, how;
  try {
    fd = FdArg(info[0]);
    std::string h = Str(info[1], "how");
    if (h == "read") how = SHUT_RD;
    else if (h == "write") how = SHUT_WR;
    else if (h == "both") how = SHUT_RDWR;
    else throw ArgError{"how must be 'read', 'write' or 'both'"};
  } catch (const ArgError& a) {
    throw ToJsError(env, SysError{EINVAL, "args", "fdShutdown: " + a.message});
  }
  if (::shutdown(fd, how) < 0) {
    int err = errno;
    throw ToJsError(env, SysError{err, "shutdown", "fdShutdown"});
  }
  return env.Undefined();
}

// Synchronous: opening a pty pair does not block.
Napi::Value OpenPtyCall(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    Pty p = OpenPty();
    Napi::Object o = Napi::Object::New(env);
    o.Set("master", p.master);
    o.Set("slave", p.slave);
    return o;
  } catch (SysError& e) {
    throw ToJsError(env, e.Within("openPty"));
  }
}

// Synchronous: TIOCSWINSZ does not block.
Napi::Value SetWinsizeCall(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  uint32_t rows, cols;
  try {
    fd = FdArg(info[0]);
    rows = static_cast<uint32_t>(FdArg(info[1]));
    cols = static_cast<uint32_t>(FdArg(info[2]));
    if (rows > 0xffff || cols > 0xffff) throw ArgError{"rows and cols must fit in 16 bits"};
  } catch (const ArgError& a) {
    throw ToJsError(env, SysError{EINVAL, "args", "setWinsize: " + a.message});
  }
  winsize ws{};
  ws.ws_row = static_cast<unsigned short>(rows);
  ws.ws_col = static_cast<unsigned short>(cols);
  if (::ioctl(fd, TIOCSWINSZ, &ws) < 0) {
    int err = errno;
    throw ToJsError(env, SysError{err, "ioctl", "setWinsize"});
  }
  return env.Undefined();
}

Napi::Object Constants(Napi::Env env, std::initializer_list<std::pair<const char*, unsigned long>> values) {
  Napi::Object o = Napi::Object::New(env);
  for (const auto& [name, value] : values) o.Set(name, Napi::Number::New(env, static_cast<double>(value)));
  o.Freeze();
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("nsApply", Napi::Function::New(env, NsApply, "nsApply"));
  exports.Set("nsPin", Napi::Function::New(env, NsPin, "nsPin"));
  exports.Set("nsUnpin", Napi::Function::New(env, NsUnpin, "nsUnpin"));
  exports.Set("mount", Napi::Function::New(env, MountCall, "mount"));
  exports.Set("mountOverlay", Napi::Function::New(env, MountOverlayCall, "mountOverlay"));
  exports.Set("umount", Napi::Function::New(env, UmountCall, "umount"));
  exports.Set("fsApply", Napi::Function::New(env, FsApply, "fsApply"));
  exports.Set("setChildSubreaper", Napi::Function::New(env, SetChildSubreaper, "setChildSubreaper"));
  exports.Set("seqpacketConnect", Napi::Function::New(env, SeqpacketConnectCall, "seqpacketConnect"));
  exports.Set("fdRecv", Napi::Function::New(env, FdRecvCall, "fdRecv"));
  exports.Set("fdSend", Napi::Function::New(env, FdSendCall, "fdSend"));
  exports.Set("fdShutdown", Napi::Function::New(env, FdShutdownCall, "fdShutdown"));
  exports.Set("openPty", Napi::Function::New(env, OpenPtyCall, "openPty"));
  exports.Set("setWinsize", Napi::Function::New(env, SetWinsizeCall, "setWinsize"));
  exports.Set("MS", Constants(env, {
                                       {"RDONLY", MS_RDONLY},     {"NOSUID", MS_NOSUID},
                                       {"NODEV", MS_NODEV},       {"NOEXEC", MS_NOEXEC},
                                       {"REMOUNT", MS_REMOUNT},   {"BIND", MS_BIND},
                                       {"MOVE", MS_MOVE},         {"REC", MS_REC},
                                       {"PRIVATE", MS_PRIVATE},   {"SLAVE", MS_SLAVE},
                                       {"SHARED", MS_SHARED},     {"UNBINDABLE", MS_UNBINDABLE},
                                       {"NOATIME", MS_NOATIME},   {"RELATIME", MS_RELATIME},
                                       {"STRICTATIME", MS_STRICTATIME},
                                   }));
  exports.Set("MNT", Constants(env, {
                                        {"FORCE", MNT_FORCE},
                                        {"DETACH", MNT_DETACH},
                                        {"EXPIRE", MNT_EXPIRE},
                                        {"NOFOLLOW", UMOUNT_NOFOLLOW},
                                    }));
  return exports;
}

}  // namespace

}  // namespace skiff

static Napi::Object InitSkiff(Napi::Env env, Napi::Object exports) { return skiff::Init(env, exports); }
NODE_API_MODULE(skiff, InitSkiff)
