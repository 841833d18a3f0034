export { startNodeAgent, type NodeAgentInput } from './agent.js';
export { resolveNodeIp, NodeIpError } from './node-ip.js';
export type { NodeCri } from './observe.js';
