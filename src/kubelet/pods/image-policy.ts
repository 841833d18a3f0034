// Whether a container's image is pulled before it starts (upstream images/image_manager.go
// EnsureImageExists with the API's defaulting of imagePullPolicy).

export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

/** The tag of an image reference: '' for none, undefined when it is pinned by digest. */
function tagOf(image: string): string | undefined {
  if (image.includes('@')) return undefined;
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  return colon < 0 ? '' : image.slice(colon + 1);
}

/** The policy given, else upstream's default: Always for :latest or no tag, IfNotPresent otherwise. */
export function effectivePullPolicy(image: string, policy?: string): PullPolicy {
  if (policy === 'Always' || policy === 'IfNotPresent' || policy === 'Never') return policy;
  const tag = tagOf(image);
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

export type PullDecision = { pull: true } | { pull: false; error?: { reason: 'ErrImageNeverPull'; message: string } };

/** Pull, use what is there, or fail as upstream does for Never with the image absent. */
export function pullDecision(image: string, policy: PullPolicy, present: boolean): PullDecision {
  if (policy === 'Always') return { pull: true };
  if (present) return { pull: false };
  if (policy === 'IfNotPresent') return { pull: true };
  return { pull: false, error: { reason: 'ErrImageNeverPull', message: `Container image "${image}" is not present with pull policy of Never` } };
}
