// Hand-rolled rtnetlink: a message builder, an attribute reader and a socket that sends
// one request at a time and reads its answer (ack, error with extended ack, or a dump).
#pragma once

#include <linux/netlink.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "fd.h"

namespace skiff {

// One request: nlmsghdr, then a family header (ifinfomsg, rtmsg...), then attributes.
// Everything is padded to 4 bytes as netlink requires.
class NlMsg {
 public:
  NlMsg(uint16_t type, uint16_t flags);

  // Appends the family header; call once, before any attribute.
  template <typename T>
  void Header(const T& h) {
    Append(&h, sizeof h);
  }
  void Put(uint16_t type, const void* data, size_t len);
  void PutU8(uint16_t type, uint8_t v) { Put(type, &v, sizeof v); }
  void PutU16(uint16_t type, uint16_t v) { Put(type, &v, sizeof v); }
  void PutU32(uint16_t type, uint32_t v) { Put(type, &v, sizeof v); }
  void PutStr(uint16_t type, const std::string& s) { Put(type, s.c_str(), s.size() + 1); }

  // Nest attributes: size_t n = BeginNest(T); ...Put...; EndNest(n);
  size_t BeginNest(uint16_t type);
  void EndNest(size_t start);

  nlmsghdr* Hdr() { return reinterpret_cast<nlmsghdr*>(buf_.data()); }
  const char* Data() const { return buf_.data(); }
  size_t Size() const { return buf_.size(); }

  // Appends raw bytes (e.g. the ifinfomsg that opens a veth peer) padded to 4 bytes.
  void Append(const void* data, size_t len);

 private:
  std::vector<char> buf_;
};

// Walks the attributes in [data, data+len); nested ones are read with Nested().
class NlAttrs {
 public:
  NlAttrs(const void* data, size_t len) : p_(static_cast<const char*>(data)), end_(p_ + len) {}
  // Attributes that follow the family header T in a message.
  template <typename T>
  static NlAttrs After(const nlmsghdr* h) {
    size_t off = NLMSG_ALIGN(sizeof(T));
    size_t payload = h->nlmsg_len >= NLMSG_HDRLEN ? h->nlmsg_len - NLMSG_HDRLEN : 0;
    if (payload < off) return NlAttrs(nullptr, 0);
    return NlAttrs(static_cast<const char*>(NLMSG_DATA(h)) + off, payload - off);
  }

  struct Attr {
    uint16_t type;  // NLA_F_NESTED / NLA_F_NET_BYTEORDER stripped
    const char* data;
    size_t len;
    uint8_t U8() const { return len >= 1 ? static_cast<uint8_t>(data[0]) : 0; }
    uint32_t U32() const {
      uint32_t v = 0;
      if (len >= sizeof v) std::memcpy(&v, data, sizeof v);
      return v;
    }
    std::string Str() const { return std::string(data, strnlen(data, len)); }
    NlAttrs Nested() const { return NlAttrs(data, len); }
  };

  // Calls fn for each well-formed attribute; stops at the first truncated one.
  void ForEach(const std::function<void(const Attr&)>& fn) const;

 private:
  const char* p_;
  const char* end_;
};

class NlSocket {
 public:
  // NETLINK_ROUTE socket of the calling thread's current network namespace.
  NlSocket();

  // Sends a request with NLM_F_ACK and waits for the kernel's verdict; replies that come
  // before the ack (RTM_GETLINK by name) go to onReply. Throws SysError on a negative ack.
  void Request(NlMsg& msg, const std::function<void(const nlmsghdr*)>& onReply = nullptr);

  // Sends a NLM_F_DUMP request and hands every part to onPart until NLMSG_DONE. Returns
  // false when the kernel flagged the dump as interrupted by a concurrent change.
  bool Dump(NlMsg& msg, const std::function<void(const nlmsghdr*)>& onPart);

 private:
  void Send(NlMsg& msg);
  bool Receive(uint32_t seq, const std::function<void(const nlmsghdr*)>& onPart);

  Fd fd_;
  uint32_t seq_;
  std::vector<char> buf_;
};

}  // namespace skiff
