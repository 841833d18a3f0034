// PullImage: fetch, verify and unpack an image; the answer is its id (the config digest),
// as containerd answers, which the kubelet then puts in CreateContainer.
import type { ImageRpcs } from '../api.js';
import { pullError } from '../images/cri.js';
import { invalidArgument } from '../errors.js';
import type { Handler } from './types.js';

export const pullImage: Handler<ImageRpcs['PullImage']> = async (req, { deps, signal }) => {
  const ref = req.image?.image;
  if (!ref) throw invalidArgument('image.image is required');
  const a = req.auth;
  const auth = a && (a.username || a.password || a.auth || a.identityToken || a.registryToken)
    ? { username: a.username, password: a.password, auth: a.auth, identityToken: a.identityToken, registryToken: a.registryToken, ...(a.serverAddress ? { serverAddress: a.serverAddress } : {}) }
    : undefined;
  try {
    const image = await deps.images.pull(ref, auth, signal);
    return { imageRef: image.id };
  } catch (err) {
    throw pullError(err, 'image.image');
  }
};
