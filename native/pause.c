/*
 * skiff-pause: PID 1 of a pod's shared pid namespace (shareProcessNamespace), run by
 * `skiff cri` as a runc container per pod whose sandbox asks for pid mode POD
 * (src/cri/sandbox/pid-holder.ts). It does what upstream's pause binary does for
 * containerd's and CRI-O's sandboxes, and nothing else:
 *
 *   - it exists, so the pid namespace outlives any one container of the pod (when a pid
 *     namespace's init exits the kernel kills everything else in it);
 *   - it reaps: processes orphaned inside the namespace are re-parented to it, and without a
 *     wait they would stay zombies;
 *   - SIGTERM or SIGINT end it with status 0 (as namespace init, a signal with no handler
 *     would be ignored, so both get one).
 *
 * Linked statically: its root filesystem holds this file and nothing else.
 * `skiff-pause -v` prints a version line and exits (as upstream's does), for a quick check.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_stop(int signo) {
  (void)signo;
  _exit(0); /* async-signal-safe, unlike exit() */
}

static void on_child(int signo) {
  (void)signo;
  int saved = errno;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
  errno = saved;
}

static int handle(int signo, void (*fn)(int), int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = fn;
  sa.sa_flags = flags;
  sigemptyset(&sa.sa_mask);
  return sigaction(signo, &sa, NULL);
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-v") == 0) {
      puts("skiff-pause 1");
      return 0;
    }
  }
  if (getpid() != 1) fputs("skiff-pause: not PID 1 of a pid namespace; reaping only its own children\n", stderr);
  if (handle(SIGINT, on_stop, 0) < 0 || handle(SIGTERM, on_stop, 0) < 0) return 1;
  /* SA_RESTART: pause() is the only blocking call and returns on every signal anyway. */
  if (handle(SIGCHLD, on_child, SA_NOCLDSTOP | SA_RESTART) < 0) return 2;
  /* Children that exited before the handler was in place. */
  on_child(SIGCHLD);
  for (;;) pause();
}
