// The version this kubelet reports (nodeInfo.kubeletVersion), the same as skiff's apiserver's
// gitVersion so the version-skew policy (kubelet not newer than the apiserver) holds.
export const KUBELET_VERSION = 'v1.32.0-skiff';
