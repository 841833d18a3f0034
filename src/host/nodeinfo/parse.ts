// Parsers of the /proc and /etc files the node facts come from: pure, so their edge cases are
// tested without the machine.

/** The fields of /proc/meminfo in bytes (its values are in kB, which the kernel means as KiB). */
export function parseMeminfo(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([^:\s]+):\s+(\d+)(?:\s+kB)?\s*$/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]) * (line.trimEnd().endsWith('kB') ? 1024 : 1));
  }
  return out;
}

/** PRETTY_NAME of an os-release file, unquoted as the shell would; undefined when absent. */
export function prettyName(osRelease: string): string | undefined {
  for (const line of osRelease.split('\n')) {
    const m = /^PRETTY_NAME=(.*)$/.exec(line.trim());
    if (!m) continue;
    const raw = m[1]!.trim();
    const quoted = /^(["'])(.*)\1$/.exec(raw);
    return quoted ? quoted[2]!.replace(/\\(["\\`$])/g, '$1') : raw;
  }
  return undefined;
}

/** One `key value` line of a cgroup v1 memory.stat; undefined when missing. */
export function statField(memoryStat: string, key: string): number | undefined {
  for (const line of memoryStat.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k === key && v !== undefined && /^\d+$/.test(v)) return Number(v);
  }
  return undefined;
}

const GOARCH = new Map([['x64', 'amd64'], ['arm64', 'arm64'], ['arm', 'arm'], ['ia32', '386'], ['ppc64', 'ppc64le'], ['s390x', 's390x'], ['riscv64', 'riscv64']]);

/** Node's process.arch in Go's GOARCH words, which the Node's labels and nodeInfo use. */
export function goArch(nodeArch: string): string {
  return GOARCH.get(nodeArch) ?? nodeArch;
}
