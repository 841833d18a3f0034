// The container's seccomp filter: containerd's RuntimeDefault profile (contrib/seccomp,
// itself docker's default) kept as data, Unconfined, or a Localhost profile the caller read.
// Names libseccomp does not know on this arch are skipped by runc, so one list serves all.
import type { LinuxContainerSecurityContext__Output } from '../gen/runtime/v1/LinuxContainerSecurityContext.js';
import { ownValue } from '../../own-keys.js';
import { SpecError } from './input.js';
import type { Seccomp, SeccompSyscall } from './types.js';

const ALLOWED = `accept accept4 access adjtimex alarm bind brk capget capset chdir chmod chown chown32
clock_adjtime clock_adjtime64 clock_getres clock_getres_time64 clock_gettime clock_gettime64
clock_nanosleep clock_nanosleep_time64 close close_range connect copy_file_range creat dup dup2 dup3
epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait epoll_wait_old
eventfd eventfd2 execve execveat exit exit_group faccessat faccessat2 fadvise64 fadvise64_64 fallocate
fanotify_mark fchdir fchmod fchmodat fchown fchown32 fchownat fcntl fcntl64 fdatasync fgetxattr
flistxattr flock fork fremovexattr fsetxattr fstat fstat64 fstatat64 fstatfs fstatfs64 fsync ftruncate
ftruncate64 futex futex_time64 futex_waitv futimesat getcpu getcwd getdents getdents64 getegid getegid32
geteuid geteuid32 getgid getgid32 getgroups getgroups32 getitimer getpeername getpgid getpgrp getpid
getppid getpriority getrandom getresgid getresgid32 getresuid getresuid32 getrlimit get_robust_list
getrusage getsid getsockname getsockopt get_thread_area gettid gettimeofday getuid getuid32 getxattr
inotify_add_watch inotify_init inotify_init1 inotify_rm_watch io_cancel ioctl io_destroy io_getevents
io_pgetevents io_pgetevents_time64 ioprio_get ioprio_set io_setup io_submit io_uring_enter
io_uring_register io_uring_setup ipc kill landlock_add_rule landlock_create_ruleset
landlock_restrict_self lchown lchown32 lgetxattr link linkat listen listxattr llistxattr _llseek
lremovexattr lseek lsetxattr lstat lstat64 madvise membarrier memfd_create memfd_secret mincore mkdir
mkdirat mknod mknodat mlock mlock2 mlockall mmap mmap2 mprotect mq_getsetattr mq_notify mq_open
mq_timedreceive mq_timedreceive_time64 mq_timedsend mq_timedsend_time64 mq_unlink mremap msgctl msgget
msgrcv msgsnd msync munlock munlockall munmap nanosleep newfstatat _newselect open openat openat2 pause
pidfd_open pidfd_send_signal pipe pipe2 poll ppoll ppoll_time64 prctl pread64 preadv preadv2 prlimit64
process_mrelease pselect6 pselect6_time64 pwrite64 pwritev pwritev2 read readahead readlink readlinkat
readv recv recvfrom recvmmsg recvmmsg_time64 recvmsg remap_file_pages removexattr rename renameat
renameat2 restart_syscall rmdir rseq rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo
rt_sigreturn rt_sigsuspend rt_sigtimedwait rt_sigtimedwait_time64 rt_tgsigqueueinfo sched_getaffinity
sched_getattr sched_getparam sched_get_priority_max sched_get_priority_min sched_getscheduler
sched_rr_get_interval sched_rr_get_interval_time64 sched_setaffinity sched_setattr sched_setparam
sched_setscheduler sched_yield seccomp select semctl semget semop semtimedop semtimedop_time64 send
sendfile sendfile64 sendmmsg sendmsg sendto setfsgid setfsgid32 setfsuid setfsuid32 setgid setgid32
setgroups setgroups32 setitimer setpgid setpriority setregid setregid32 setresgid setresgid32 setresuid
setresuid32 setreuid setreuid32 setrlimit set_robust_list setsid setsockopt set_thread_area
set_tid_address setuid setuid32 setxattr shmat shmctl shmdt shmget shutdown sigaltstack signalfd
signalfd4 sigprocmask sigreturn socket socketcall socketpair splice stat stat64 statfs statfs64 statx
symlink symlinkat sync sync_file_range syncfs sysinfo tee tgkill time timer_create timer_delete
timer_getoverrun timer_gettime timer_gettime64 timer_settime timer_settime64 timerfd_create
timerfd_gettime timerfd_gettime64 timerfd_settime timerfd_settime64 times tkill truncate truncate64
ugetrlimit umask uname unlink unlinkat utime utimensat utimensat_time64 utimes vfork vmsplice wait4
waitid waitpid write writev ptrace`;

// ptrace is in the base list: containerd adds it for kernels >= 4.8 (older ones let it bypass seccomp).
const words = (s: string) => s.split(/\s+/).filter(Boolean);

/** Syscalls a capability in the bounding set unlocks. */
const BY_CAPABILITY: Record<string, string> = {
  CAP_DAC_READ_SEARCH: 'open_by_handle_at',
  CAP_SYS_ADMIN: `bpf clone clone3 fanotify_init fsconfig fsmount fsopen fspick lookup_dcookie mount mount_setattr
    move_mount name_to_handle_at open_tree perf_event_open quotactl quotactl_fd setdomainname sethostname setns
    syslog umount umount2 unshare`,
  CAP_SYS_BOOT: 'reboot',
  CAP_SYS_CHROOT: 'chroot',
  CAP_SYS_MODULE: 'delete_module init_module finit_module',
  CAP_SYS_PACCT: 'acct',
  CAP_SYS_PTRACE: 'kcmp pidfd_getfd process_madvise process_vm_readv process_vm_writev ptrace',
  CAP_SYS_RAWIO: 'iopl ioperm',
  CAP_SYS_TIME: 'settimeofday stime clock_settime clock_settime64',
  CAP_SYS_TTY_CONFIG: 'vhangup',
  CAP_SYSLOG: 'syslog',
  CAP_BPF: 'bpf',
  CAP_PERFMON: 'perf_event_open',
};

/** Per node arch (process.arch): the seccomp architectures and the arch-only syscalls. */
const ARCH: Record<string, { arches: string[]; extra: string }> = {
  x64: { arches: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'], extra: 'arch_prctl modify_ldt' },
  ia32: { arches: [], extra: 'modify_ldt' },
  arm64: { arches: ['SCMP_ARCH_ARM', 'SCMP_ARCH_AARCH64'], extra: 'arm_fadvise64_64 arm_sync_file_range sync_file_range2 breakpoint cacheflush set_tls' },
  arm: { arches: [], extra: 'arm_fadvise64_64 arm_sync_file_range sync_file_range2 breakpoint cacheflush set_tls' },
  ppc64: { arches: [], extra: 'sync_file_range2 swapcontext' },
  s390x: { arches: ['SCMP_ARCH_S390', 'SCMP_ARCH_S390X'], extra: 's390_pci_mmio_read s390_pci_mmio_write s390_runtime_instr' },
  riscv64: { arches: ['SCMP_ARCH_RISCV64'], extra: 'riscv_flush_icache' },
};

/** personality(2) personas allowed: PER_LINUX, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32, query. */
const PERSONAS = [0x0, 0x8, 0x20000, 0x20008, 0xffffffff];
/** CLONE_NEWNS|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET|NEWCGROUP: without CAP_SYS_ADMIN, clone may not create namespaces. */
const CLONE_NS_FLAGS = 0x7e020000;
const ENOSYS = 38;

const allow = (names: string): SeccompSyscall => ({ names: words(names), action: 'SCMP_ACT_ALLOW' });

/** containerd's RuntimeDefault for a process whose bounding set is `bounding`. */
export function runtimeDefaultProfile(bounding: readonly string[], arch = 'x64'): Seccomp {
  const syscalls: SeccompSyscall[] = [allow(ALLOWED)];
  for (const value of PERSONAS) syscalls.push({ names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value, op: 'SCMP_CMP_EQ' }] });
  const a = ownValue(ARCH, arch);
  if (a) syscalls.push(allow(a.extra));
  for (const cap of bounding) {
    const names = ownValue(BY_CAPABILITY, cap);
    if (names) syscalls.push(allow(names));
  }
  if (!bounding.includes('CAP_SYS_ADMIN')) {
    // s390's clone takes the flags second.
    const index = arch === 's390x' ? 1 : 0;
    syscalls.push({ names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index, value: CLONE_NS_FLAGS, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] });
    // ENOSYS, not EPERM, makes glibc fall back to clone (moby#42681).
    syscalls.push({ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS });
  }
  return { defaultAction: 'SCMP_ACT_ERRNO', architectures: a?.arches ?? [], syscalls };
}

type Profile = { kind: 'unconfined' } | { kind: 'runtimeDefault' } | { kind: 'localhost'; ref: string };

/**
 * Which profile the request asks for: the `seccomp` field, else the legacy
 * seccomp_profile_path ('runtime/default', 'docker/default', 'unconfined', 'localhost/<path>'),
 * else Unconfined (containerd's default with no unset_seccomp_profile). Throws SpecError('seccomp', ...).
 */
export function requestedProfile(sc: LinuxContainerSecurityContext__Output | null | undefined): Profile {
  const sp = sc?.seccomp;
  if (sp) {
    if (sp.profileType !== 'Localhost' && sp.localhostRef) throw new SpecError('seccomp', 'localhostRef must only be set if profileType is Localhost');
    switch (sp.profileType) {
      case 'Unconfined': return { kind: 'unconfined' };
      case 'RuntimeDefault': return { kind: 'runtimeDefault' };
      case 'Localhost':
        if (!sp.localhostRef) throw new SpecError('seccomp', 'profileType Localhost needs a localhostRef');
        return { kind: 'localhost', ref: sp.localhostRef.replace(/^localhost\//, '') };
      default: throw new SpecError('seccomp', `unknown profileType ${String(sp.profileType)}`);
    }
  }
  const path = sc?.seccompProfilePath ?? '';
  if (path === '' || path === 'unconfined') return { kind: 'unconfined' };
  if (path === 'runtime/default' || path === 'docker/default') return { kind: 'runtimeDefault' };
  if (path.startsWith('localhost/') && path.length > 'localhost/'.length) return { kind: 'localhost', ref: path.slice('localhost/'.length) };
  throw new SpecError('seccompProfilePath', `"${path}" is not runtime/default, docker/default, unconfined or localhost/<path>`);
}

/**
 * Parses a Localhost profile: the OCI linux.seccomp object (what containerd unmarshals).
 * Throws SpecError('seccomp', ...) on bad JSON or a profile without a defaultAction.
 */
export function parseLocalhostProfile(text: string, ref: string): Seccomp {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new SpecError('seccomp', `profile ${ref} is not JSON: ${(err as Error).message}`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new SpecError('seccomp', `profile ${ref} is not a JSON object`);
  const p = raw as Record<string, unknown>;
  if (typeof p.defaultAction !== 'string' || !p.defaultAction) throw new SpecError('seccomp', `profile ${ref} has no defaultAction`);
  if (p.syscalls !== undefined && p.syscalls !== null && !Array.isArray(p.syscalls)) throw new SpecError('seccomp', `profile ${ref}: syscalls must be a list`);
  for (const [i, s] of ((p.syscalls as unknown[] | null) ?? []).entries()) {
    const sc = s as Record<string, unknown> | null;
    if (!sc || !Array.isArray(sc.names) || typeof sc.action !== 'string') throw new SpecError('seccomp', `profile ${ref}: syscalls[${i}] needs names and action`);
  }
  const out: Seccomp = { defaultAction: p.defaultAction };
  // Keep only the fields runc reads, so a docker-style profile's extras do not reach config.json.
  for (const k of ['defaultErrnoRet', 'architectures', 'flags', 'listenerPath', 'listenerMetadata', 'syscalls'] as const) {
    if (p[k] !== undefined && p[k] !== null) (out as unknown as Record<string, unknown>)[k] = p[k];
  }
  return out;
}
