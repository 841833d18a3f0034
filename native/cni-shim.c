/*
 * cni-shim: what dist/cni/skiff-<name> is. A CNI runtime execs it like any plugin; it hands
 * the call to a resident `skiff cni-server` over a unix socket (Cilium's and Multus-thick's
 * shape), so a call costs an exec of this small program instead of a Node start-up. When no
 * daemon answers, it becomes the plugin itself: it execs node on the JS bundle beside it,
 * with stdin untouched, so the executables keep working standalone from /opt/cni/bin.
 *
 *   plugin name   basename(argv[0])                    e.g. skiff-bridge
 *   socket        $SKIFF_CNI_SOCKET, else /run/skiff/cni.sock
 *   fallback      node <dir of /proc/self/exe>/.js/<name>.js; node from $PATH, else the
 *                 node that built this file (SKIFF_NODE)
 *
 * Framing (the same text heads src/cni/daemon/frame.ts). Every integer is little-endian;
 * u32 unless said otherwise. One request and one response per connection.
 *
 *   request   magic "SKC2" | u32 bodyLen | body:
 *               u32 pid                 this process: the daemon takes /proc/<pid>/ns/net as
 *                                       the call's host namespace (the caller's, not its own)
 *               u64 netnsInode          st_ino of /proc/self/ns/net (0: unknown), so the
 *                                       daemon can refuse a pid that is not us (other pid ns)
 *               u64 mntnsInode          st_ino of /proc/self/ns/mnt (0: unknown): the daemon
 *                                       resolves CNI_NETNS, CNI_PATH and dataDir in its own
 *                                       mount namespace, so it refuses any other
 *               u32 len | plugin name
 *               u32 count | count x (u32 len | "CNI_KEY=value")   only CNI_* variables
 *               u32 len | stdin
 *   response  magic "SKC2" | u32 bodyLen | body:
 *               u32 exitCode | u32 len | stdout | u32 len | stderr
 *
 * bodyLen is at most 16 MiB. The magic changes with the layout ("SKC1" had no mntnsInode):
 * a shim and a daemon of different layouts refuse each other instead of misreading. A daemon that hangs up before a complete response is an error
 * (code 999 naming the socket), never a reason to run the plugin a second time here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef SKIFF_NODE
#define SKIFF_NODE "/usr/bin/node"
#endif

#define DEFAULT_SOCKET "/run/skiff/cni.sock"
#define MAX_BODY (16u << 20)
static const unsigned char MAGIC[4] = {'S', 'K', 'C', '2'};

extern char **environ;

/* ---- errors: a CNI error JSON on stdout and status 1, as a plugin would print it ---- */

static void write_all(int fd, const void *data, size_t len);

static void put_json_string(char *out, size_t cap, size_t *at, const char *s) {
  static const char hex[] = "0123456789abcdef";
  for (const unsigned char *p = (const unsigned char *)s; *p && *at + 8 < cap; p++) {
    if (*p == '"' || *p == '\\') {
      out[(*at)++] = '\\';
      out[(*at)++] = (char)*p;
    } else if (*p < 0x20) {
      *at += (size_t)snprintf(out + *at, cap - *at, "\\u00%c%c", hex[*p >> 4], hex[*p & 15]);
    } else {
      out[(*at)++] = (char)*p;
    }
  }
}

static void fail(const char *msg, const char *details) __attribute__((noreturn));
static void fail(const char *msg, const char *details) {
  char out[4096];
  size_t at = 0;
  at += (size_t)snprintf(out, sizeof out, "{\"cniVersion\":\"1.0.0\",\"code\":999,\"msg\":\"");
  put_json_string(out, sizeof out - 64, &at, msg);
  if (details && *details) {
    at += (size_t)snprintf(out + at, sizeof out - at, "\",\"details\":\"");
    put_json_string(out, sizeof out - 8, &at, details);
  }
  at += (size_t)snprintf(out + at, sizeof out - at, "\"}");
  write_all(1, out, at);
  exit(1);
}

static void fail_errno(const char *msg, const char *subject) __attribute__((noreturn));
static void fail_errno(const char *msg, const char *subject) {
  char details[PATH_MAX + 128];
  snprintf(details, sizeof details, "%s: %s", subject, strerror(errno));
  fail(msg, details);
}

static void write_all(int fd, const void *data, size_t len) {
  const char *p = data;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return; /* nowhere left to report it */
    p += n;
    len -= (size_t)n;
  }
}

/* ---- a growable byte buffer for the request ---- */

struct buf {
  unsigned char *data;
  size_t len, cap;
};

static void buf_put(struct buf *b, const void *data, size_t len) {
  if (b->len + len > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + len) cap *= 2;
    unsigned char *grown = realloc(b->data, cap);
    if (!grown) fail("skiff CNI shim: out of memory", "");
    b->data = grown;
    b->cap = cap;
  }
  if (len) memcpy(b->data + b->len, data, len);
  b->len += len;
}

static void buf_u32(struct buf *b, uint32_t v) {
  unsigned char le[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16), (unsigned char)(v >> 24)};
  buf_put(b, le, 4);
}

static void buf_u64(struct buf *b, uint64_t v) {
  buf_u32(b, (uint32_t)v);
  buf_u32(b, (uint32_t)(v >> 32));
}

static void buf_bytes(struct buf *b, const void *data, size_t len) {
  buf_u32(b, (uint32_t)len);
  buf_put(b, data, len);
}

static uint32_t get_u32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ---- fallback: be the plugin ourselves ---- */

/* Finds `node` the way `/usr/bin/env node` does; NULL when no PATH entry has it. */
static const char *node_in_path(char *found, size_t cap) {
  const char *path = getenv("PATH");
  if (!path || !*path) path = "/usr/local/bin:/usr/bin:/bin";
  while (*path) {
    const char *end = strchr(path, ':');
    size_t len = end ? (size_t)(end - path) : strlen(path);
    int n = len ? snprintf(found, cap, "%.*s/node", (int)len, path) : snprintf(found, cap, "./node");
    struct stat st;
    if (n > 0 && (size_t)n < cap && stat(found, &st) == 0 && S_ISREG(st.st_mode) && access(found, X_OK) == 0) return found;
    path += len + (end ? 1 : 0);
  }
  return NULL;
}

static void run_bundle(const char *name, int argc, char **argv) __attribute__((noreturn));
static void run_bundle(const char *name, int argc, char **argv) {
  /* Relative to the executable itself: a runtime copies plugins into its own bin dir. */
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n < 0) fail_errno("skiff CNI shim: cannot find its own executable", "/proc/self/exe");
  exe[n] = '\0';
  char *slash = strrchr(exe, '/');
  if (slash) *slash = '\0';
  char bundle[PATH_MAX];
  if (snprintf(bundle, sizeof bundle, "%s/.js/%s.js", exe, name) >= (int)sizeof bundle) fail("skiff CNI shim: bundle path too long", name);
  if (access(bundle, R_OK) != 0) fail_errno("skiff CNI plugin: no daemon answered and its JS bundle is missing", bundle);
  char found[PATH_MAX];
  const char *node = node_in_path(found, sizeof found);
  if (!node) node = SKIFF_NODE;
  char **args = calloc((size_t)argc + 2, sizeof *args);
  if (!args) fail("skiff CNI shim: out of memory", "");
  args[0] = (char *)node;
  args[1] = bundle;
  for (int i = 1; i < argc; i++) args[i + 1] = argv[i];
  execv(node, args);
  fail_errno("skiff CNI plugin: no daemon answered and node could not be started", node);
}

/* ---- the daemon path ---- */

static int connect_daemon(const char *socket_path) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(socket_path) >= sizeof addr.sun_path) return -1;
  strcpy(addr.sun_path, socket_path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

static void build_request(struct buf *req, const char *name) {
  struct buf body = {0};
  buf_u32(&body, (uint32_t)getpid());
  struct stat ns;
  buf_u64(&body, stat("/proc/self/ns/net", &ns) == 0 ? (uint64_t)ns.st_ino : 0);
  buf_u64(&body, stat("/proc/self/ns/mnt", &ns) == 0 ? (uint64_t)ns.st_ino : 0);
  buf_bytes(&body, name, strlen(name));
  uint32_t count = 0;
  for (char **e = environ; *e; e++) count += strncmp(*e, "CNI_", 4) == 0;
  buf_u32(&body, count);
  for (char **e = environ; *e; e++)
    if (strncmp(*e, "CNI_", 4) == 0) buf_bytes(&body, *e, strlen(*e));
  /* As the JS skel: stdin only for a CNI call, never from a terminal. */
  size_t at = body.len;
  buf_u32(&body, 0);
  if (getenv("CNI_COMMAND") && !isatty(0)) {
    unsigned char chunk[65536];
    for (;;) {
      ssize_t n = read(0, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) fail_errno("skiff CNI shim: cannot read stdin", "stdin");
      if (n == 0) break;
      buf_put(&body, chunk, (size_t)n);
      if (body.len > MAX_BODY) fail("skiff CNI shim: stdin too large", "more than 16 MiB");
    }
  }
  uint32_t stdin_len = (uint32_t)(body.len - at - 4);
  unsigned char le[4] = {(unsigned char)stdin_len, (unsigned char)(stdin_len >> 8), (unsigned char)(stdin_len >> 16), (unsigned char)(stdin_len >> 24)};
  memcpy(body.data + at, le, 4);
  buf_put(req, MAGIC, 4);
  buf_bytes(req, body.data, body.len);
  free(body.data);
}

/* Reads exactly len bytes; 0 when the peer hung up (or failed) first. */
static int read_exact(int fd, unsigned char *p, size_t len) {
  while (len > 0) {
    ssize_t n = read(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return 0;
    p += n;
    len -= (size_t)n;
  }
  return 1;
}

static void send_all(int fd, const unsigned char *p, size_t len, const char *socket_path) {
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail_errno("skiff CNI daemon hung up before the call was sent", socket_path);
    p += n;
    len -= (size_t)n;
  }
}

static void relay(int fd, const char *name, const char *socket_path) __attribute__((noreturn));
static void relay(int fd, const char *name, const char *socket_path) {
  struct buf req = {0};
  build_request(&req, name);
  send_all(fd, req.data, req.len, socket_path);
  free(req.data);

  unsigned char head[8];
  if (!read_exact(fd, head, sizeof head)) fail("skiff CNI daemon closed the connection before answering", socket_path);
  uint32_t len = get_u32(head + 4);
  if (memcmp(head, MAGIC, 4) != 0 || len > MAX_BODY || len < 12) fail("skiff CNI daemon sent a malformed response", socket_path);
  unsigned char *body = malloc(len);
  if (!body) fail("skiff CNI shim: out of memory", "");
  if (!read_exact(fd, body, len)) fail("skiff CNI daemon closed the connection before answering", socket_path);
  uint32_t code = get_u32(body);
  uint32_t out_len = get_u32(body + 4);
  if (out_len > len - 12) fail("skiff CNI daemon sent a malformed response", socket_path);
  uint32_t err_len = get_u32(body + 8 + out_len);
  if (err_len != len - 12 - out_len) fail("skiff CNI daemon sent a malformed response", socket_path);
  write_all(1, body + 8, out_len);
  write_all(2, body + 12 + out_len, err_len);
  exit((int)(code & 0xff));
}

int main(int argc, char **argv) {
  const char *self = argc > 0 && argv[0] ? argv[0] : "skiff-cni";
  const char *name = strrchr(self, '/') ? strrchr(self, '/') + 1 : self;
  const char *socket_path = getenv("SKIFF_CNI_SOCKET");
  if (!socket_path || !*socket_path) socket_path = DEFAULT_SOCKET;
  int fd = connect_daemon(socket_path);
  if (fd < 0) run_bundle(name, argc, argv); /* nothing was read yet: stdin is intact */
  /* A daemon that hangs up must give an error JSON, not a silent death by SIGPIPE (set only
   * here: an ignored signal would be inherited by the fallback's node). */
  signal(SIGPIPE, SIG_IGN);
  relay(fd, name, socket_path);
}
