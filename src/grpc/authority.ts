// Which `:authority` / `host` values nghttp2 (inside Node's HTTP/2 server) lets through:
// the characters RFC 3986 allows in an authority (unreserved, sub-delims, ':', '@', '[',
// ']', '%'), as nghttp2's own check. A unix socket path fails it on its first '/'.

const ALLOWED = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&\'()*+,;=:@[]%') {
  ALLOWED[c.charCodeAt(0)] = 1;
}

/** What a request whose authority nghttp2 would refuse is given instead. On a unix socket
 *  the authority names nothing (the socket is the address), and this name is valid everywhere. */
export const REPLACEMENT_AUTHORITY = 'localhost';

/** True when nghttp2 accepts `value` (latin1 octets) as an authority. */
export function isAcceptedAuthority(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    if (!ALLOWED[value.charCodeAt(i)]) return false;
  }
  return true;
}
