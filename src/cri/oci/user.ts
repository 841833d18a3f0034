// The process's uid, gid and supplementary groups, resolved the way containerd's oci.WithUser
// and WithAdditionalGIDs do against the image's own /etc/passwd and /etc/group (the caller
// read them from the rootfs; a container's names mean nothing on the host).
import type { LinuxContainerSecurityContext__Output } from '../gen/runtime/v1/LinuxContainerSecurityContext.js';
import { SpecError } from './input.js';
import type { User } from './types.js';

interface PasswdEntry { name: string; uid: number; gid: number }
interface GroupEntry { name: string; gid: number; members: string[] }

const ID = /^\d+$/;
const MAX_ID = 0xffffffff;

function id(text: string, field: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_ID) throw new SpecError(field, `${text} is not a valid id (0..${MAX_ID})`);
  return n;
}

/** Parses passwd(5) text; malformed lines are skipped as libc does. */
export function parsePasswd(text: string | undefined): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const f = line.trim().split(':');
    if (f.length < 4 || !f[0] || !ID.test(f[2]!) || !ID.test(f[3]!)) continue;
    out.push({ name: f[0], uid: Number(f[2]), gid: Number(f[3]) });
  }
  return out;
}

/** Parses group(5) text; malformed lines are skipped. */
export function parseGroup(text: string | undefined): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const f = line.trim().split(':');
    if (f.length < 3 || !f[0] || !ID.test(f[2]!)) continue;
    out.push({ name: f[0], gid: Number(f[2]), members: (f[3] ?? '').split(',').map((m) => m.trim()).filter(Boolean) });
  }
  return out;
}

/**
 * The user string containerd builds: run_as_username, else run_as_user, else the image's
 * User. run_as_group is kept apart (it overrides the group whatever the user came from).
 */
export function userString(sc: LinuxContainerSecurityContext__Output | null | undefined, imageUser: string | undefined): string {
  if (sc?.runAsUsername) return sc.runAsUsername;
  if (sc?.runAsUser) return sc.runAsUser.value;
  return imageUser ?? '';
}

/**
 * Resolves "name", "uid", "uid:gid", "name:group" (any mix) against passwd/group.
 * A numeric uid missing from passwd runs with gid 0; a name missing from the files throws
 * SpecError('user', ...) naming it. Returns the primary ids and the user's login name if known.
 */
export function resolveUser(userstr: string, passwd: PasswdEntry[], groups: GroupEntry[]): { uid: number; gid: number; name?: string } {
  if (!userstr) return { uid: 0, gid: 0, ...nameOf(0, passwd) };
  const [u, g, ...extra] = userstr.split(':');
  if (extra.length || !u) throw new SpecError('user', `"${userstr}" is not user, user:group, uid or uid:gid`);
  let uid: number;
  let gid: number;
  let name: string | undefined;
  if (ID.test(u)) {
    uid = id(u, 'user');
    const entry = passwd.find((p) => p.uid === uid);
    gid = entry?.gid ?? 0;
    name = entry?.name;
  } else {
    const entry = passwd.find((p) => p.name === u);
    if (!entry) throw new SpecError('user', `user "${u}" not found in the image's /etc/passwd`);
    ({ uid, gid, name } = entry);
  }
  if (g !== undefined) {
    if (!g) throw new SpecError('user', `"${userstr}" has an empty group`);
    if (ID.test(g)) gid = id(g, 'user');
    else {
      const entry = groups.find((e) => e.name === g);
      if (!entry) throw new SpecError('user', `group "${g}" not found in the image's /etc/group`);
      gid = entry.gid;
    }
  }
  return { uid, gid, ...(name !== undefined ? { name } : {}) };
}

function nameOf(uid: number, passwd: PasswdEntry[]): { name?: string } {
  const entry = passwd.find((p) => p.uid === uid);
  return entry ? { name: entry.name } : {};
}

/**
 * The OCI process.user of a container. Supplementary groups: the primary gid (docker and
 * containerd list it), supplemental_groups, and with policy Merge (the default) every
 * /etc/group entry naming the user as a member; sorted, without duplicates.
 * Throws SpecError('user' | 'runAsGroup' | 'supplementalGroups', ...); 'runAsGroup' also when
 * it comes without run_as_user or run_as_username.
 */
export function processUser(sc: LinuxContainerSecurityContext__Output | null | undefined, imageUser: string | undefined, etcPasswd?: string, etcGroup?: string): User {
  // containerd's rule (and critest's): a group only goes with a user named in the request;
  // the image's user does not count.
  if (sc?.runAsGroup && !sc.runAsUser && !sc.runAsUsername) throw new SpecError('runAsGroup', `user group "${sc.runAsGroup.value}" is specified without user`);
  const passwd = parsePasswd(etcPasswd);
  const groups = parseGroup(etcGroup);
  const userstr = userString(sc, imageUser);
  const resolved = resolveUser(userstr, passwd, groups);
  let gid = resolved.gid;
  if (sc?.runAsGroup) gid = id(sc.runAsGroup.value, 'runAsGroup');
  const gids = new Set<number>([gid]);
  for (const g of sc?.supplementalGroups ?? []) gids.add(id(g, 'supplementalGroups'));
  if ((sc?.supplementalGroupsPolicy ?? 'Merge') === 'Merge') {
    // containerd looks the user up by the user part only; a numeric uid unknown to passwd has no memberships.
    const login = resolved.name ?? (ID.test(userstr.split(':')[0] ?? '') ? undefined : userstr.split(':')[0]);
    if (login) for (const e of groups) if (e.name !== login && e.members.includes(login)) gids.add(e.gid);
  }
  return { uid: resolved.uid, gid, additionalGids: [...gids].sort((a, b) => a - b) };
}
