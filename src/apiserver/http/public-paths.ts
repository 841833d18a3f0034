// The paths every server answers without a resource behind them: health and version. Served by
// the non-resource route after authorization like any path (RBAC's system:public-info-viewer
// grants them to everyone); the one list both the route and the test stand-in authorizer read.

const PUBLIC_PATHS: ReadonlySet<string> = new Set(['/healthz', '/livez', '/readyz', '/version']);

/**
 * The public path a request path falls under (`/healthz/ping` → `/healthz`, `/version/` →
 * `/version`), or undefined.
 */
export function publicPathOf(path: string): string | undefined {
  const base = `/${path.split('/')[1] ?? ''}`;
  return PUBLIC_PATHS.has(base) ? base : undefined;
}
