#include "netlink.h"

#include <sys/socket.h>

#include <cerrno>

#include "errors.h"

namespace skiff {

// --- builder ---------------------------------------------------------------------------

NlMsg::NlMsg(uint16_t type, uint16_t flags) {
  nlmsghdr h{};
  h.nlmsg_len = NLMSG_HDRLEN;
  h.nlmsg_type = type;
  h.nlmsg_flags = NLM_F_REQUEST | flags;
  buf_.resize(NLMSG_HDRLEN);
  std::memcpy(buf_.data(), &h, sizeof h);
}

void NlMsg::Append(const void* data, size_t len) {
  size_t at = buf_.size();
  buf_.resize(at + NLMSG_ALIGN(len), 0);
  if (len) std::memcpy(buf_.data() + at, data, len);
  Hdr()->nlmsg_len = static_cast<uint32_t>(buf_.size());
}

void NlMsg::Put(uint16_t type, const void* data, size_t len) {
  nlattr a{};
  a.nla_len = static_cast<uint16_t>(NLA_HDRLEN + len);
  a.nla_type = type;
  Append(&a, sizeof a);  // sizeof(nlattr) == NLA_HDRLEN, already aligned
  Append(data, len);
}

size_t NlMsg::BeginNest(uint16_t type) {
  size_t start = buf_.size();
  Put(type | NLA_F_NESTED, nullptr, 0);
  return start;
}

void NlMsg::EndNest(size_t start) {
  nlattr a;
  std::memcpy(&a, buf_.data() + start, sizeof a);
  a.nla_len = static_cast<uint16_t>(buf_.size() - start);
  std::memcpy(buf_.data() + start, &a, sizeof a);
}

// --- reader ----------------------------------------------------------------------------

void NlAttrs::ForEach(const std::function<void(const Attr&)>& fn) const {
  const char* p = p_;
  while (p && end_ - p >= static_cast<ptrdiff_t>(NLA_HDRLEN)) {
    nlattr a;
    std::memcpy(&a, p, sizeof a);
    if (a.nla_len < NLA_HDRLEN || a.nla_len > end_ - p) return;
    fn(Attr{static_cast<uint16_t>(a.nla_type & NLA_TYPE_MASK), p + NLA_HDRLEN, size_t{a.nla_len} - NLA_HDRLEN});
    p += NLA_ALIGN(a.nla_len);
  }
}

// --- socket ----------------------------------------------------------------------------

namespace {

// Kernel dumps fill up to 32 KiB per datagram (more for links with many VFs); Receive grows
// the buffer to whatever a peek with MSG_TRUNC says the next datagram needs.
constexpr size_t kRecvBuf = 64 * 1024;

// The text of NLMSGERR_ATTR_MSG when the kernel attached an extended ack.
std::string ExtAckMessage(const nlmsghdr* h, size_t tlvOffset) {
  std::string msg;
  if (!(h->nlmsg_flags & NLM_F_ACK_TLVS)) return msg;
  size_t payload = h->nlmsg_len - NLMSG_HDRLEN;
  if (tlvOffset >= payload) return msg;
  NlAttrs(static_cast<const char*>(NLMSG_DATA(h)) + tlvOffset, payload - tlvOffset).ForEach([&](const NlAttrs::Attr& a) {
    if (a.type == NLMSGERR_ATTR_MSG) msg = a.Str();
  });
  return msg;
}

}  // namespace

NlSocket::NlSocket() : fd_(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)), seq_(0), buf_(kRecvBuf) {
  if (!fd_.Valid()) FailErrno("socket", "netlink");
  int one = 1;
  // Both are best effort: without them errors lose their text or acks echo the request.
  ::setsockopt(fd_.Get(), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
  ::setsockopt(fd_.Get(), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
}

void NlSocket::Send(NlMsg& msg) {
  msg.Hdr()->nlmsg_seq = ++seq_;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  ssize_t n;
  do {
    n = ::sendto(fd_.Get(), msg.Data(), msg.Size(), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel);
  } while (n < 0 && errno == EINTR);
  if (n < 0) FailErrno("sendto", "netlink");
  if (static_cast<size_t>(n) != msg.Size()) Fail(EMSGSIZE, "sendto", "netlink");
}

void NlSocket::Request(NlMsg& msg, const std::function<void(const nlmsghdr*)>& onReply) {
  msg.Hdr()->nlmsg_flags |= NLM_F_ACK;
  Send(msg);
  Receive(seq_, onReply);
}

bool NlSocket::Dump(NlMsg& msg, const std::function<void(const nlmsghdr*)>& onPart) {
  msg.Hdr()->nlmsg_flags |= NLM_F_DUMP;
  Send(msg);
  return Receive(seq_, onPart);
}

bool NlSocket::Receive(uint32_t seq, const std::function<void(const nlmsghdr*)>& onPart) {
  bool complete = true;
  for (;;) {
    ssize_t n;
    do {
      n = ::recv(fd_.Get(), nullptr, 0, MSG_PEEK | MSG_TRUNC);
    } while (n < 0 && errno == EINTR);
    if (n < 0) FailErrno("recv", "netlink");
    if (static_cast<size_t>(n) > buf_.size()) buf_.resize(n);
    do {
      n = ::recv(fd_.Get(), buf_.data(), buf_.size(), 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0) FailErrno("recv", "netlink");

    int left = static_cast<int>(n);
    for (auto* h = reinterpret_cast<const nlmsghdr*>(buf_.data()); NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
      if (h->nlmsg_seq != seq) continue;  // stale answer to an earlier request
      if (h->nlmsg_type == NLMSG_NOOP) continue;
      if (h->nlmsg_type == NLMSG_ERROR) {
        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(nlmsgerr))) Fail(EPROTO, "netlink", "", "truncated error message");
        auto* e = static_cast<const nlmsgerr*>(NLMSG_DATA(h));
        if (e->error == 0) return complete;
        // TLVs follow the echoed request, which NETLINK_CAP_ACK cuts down to its header.
        size_t tlvs = sizeof(nlmsgerr);
        if (!(h->nlmsg_flags & NLM_F_CAPPED) && e->msg.nlmsg_len > NLMSG_HDRLEN) tlvs += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
        Fail(-e->error, "netlink", "", ExtAckMessage(h, tlvs));
      }
      if (h->nlmsg_type == NLMSG_DONE) {
        int err = 0;
        if (h->nlmsg_len >= NLMSG_LENGTH(sizeof err)) std::memcpy(&err, NLMSG_DATA(h), sizeof err);
        if (err < 0) Fail(-err, "netlink", "", ExtAckMessage(h, NLMSG_ALIGN(sizeof err)));
        return complete;
      }
      if (h->nlmsg_flags & NLM_F_DUMP_INTR) complete = false;
      if (onPart) onPart(h);
    }
  }
}

}  // namespace skiff
