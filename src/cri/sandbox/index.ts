// The pod sandbox's machine side, for the RPC handlers (see README.md).
export { setupSandbox, teardownNetwork, removeSandbox, sandboxDir, plannedResources, type SandboxDeps, type SandboxResources } from './setup.js';
export { HOST_ETC, type HostEtc } from './files.js';
export { pinDir } from './namespaces.js';
export type { PodNetwork } from './network.js';
export {
  holderId, holderDir, holderCgroup, pauseBinary, pauseRootfs, startPidHolder, stopPidHolder, removePidHolder, pidHolderPid,
  type PidHolderDeps, type PidHolderRef,
} from './pid-holder.js';
export { pidHolderSpec, HOLDER_UID, type PidHolderSpecInput } from './pid-holder-spec.js';
