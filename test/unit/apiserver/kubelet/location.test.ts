import test from 'ava';
import type { Node, Pod } from '../../../../src/api/types.js';
import { containerFor, kubeletEndpoint, kubeletUrl } from '../../../../src/apiserver/kubelet/location.js';
import { ApiError } from '../../../../src/apiserver/status.js';

const pod = (containers: string[], init: string[] = []): Pod => ({
  metadata: { name: 'web' },
  spec: { containers: containers.map((name) => ({ name })), ...(init.length ? { initContainers: init.map((name) => ({ name })) } : {}) },
}) as Pod;

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return { code: err.status.code, message: err.status.message };
    throw err;
  }
  throw new Error('did not throw');
};

test('the only container is the default; several need a name, listed as upstream', (t) => {
  t.is(containerFor(pod(['a']), undefined), 'a');
  t.deepEqual(refusal(() => containerFor(pod(['a', 'b']), undefined)), { code: 400, message: 'a container name must be specified for pod web, choose one of: [a b]' });
  t.deepEqual(refusal(() => containerFor(pod(['a', 'b'], ['init']), undefined)),
    { code: 400, message: 'a container name must be specified for pod web, choose one of: [init a b]' });
  t.deepEqual(refusal(() => containerFor(pod([]), undefined)), { code: 400, message: 'a container name must be specified for pod web' });
});

test('a named container must be the pod\'s (init containers count)', (t) => {
  t.is(containerFor(pod(['a'], ['init']), 'init'), 'init');
  t.deepEqual(refusal(() => containerFor(pod(['a']), 'x')), { code: 400, message: 'container x is not valid for pod web' });
});

test('the kubelet endpoint: InternalIP first, the reported port, 10250 without one', (t) => {
  const node = (addresses: { type: string; address: string }[], port?: number) =>
    ({ metadata: { name: 'n' }, status: { addresses, ...(port ? { daemonEndpoints: { kubeletEndpoint: { Port: port } } } : {}) } }) as Node;
  t.deepEqual(kubeletEndpoint(node([{ type: 'Hostname', address: 'n1' }, { type: 'InternalIP', address: '10.0.0.5' }], 11250)), { host: '10.0.0.5', port: 11250 });
  t.deepEqual(kubeletEndpoint(node([{ type: 'Hostname', address: 'n1' }])), { host: 'n1', port: 10250 });
  t.deepEqual(refusal(() => kubeletEndpoint(node([]))), { code: 500, message: 'Internal error occurred: no preferred addresses found; known addresses: []' });
  t.is(kubeletUrl({ host: 'fd00::1', port: 1 }, '/containerLogs/a/b/c', new URLSearchParams('follow=true')).toString(), 'https://[fd00::1]:1/containerLogs/a/b/c?follow=true');
});

test('a nodes/proxy target: name, name:port, https:name:port', async (t) => {
  const { splitNodeTarget } = await import('../../../../src/apiserver/kubelet/node-proxy.js');
  t.deepEqual(splitNodeTarget('n1'), { name: 'n1' });
  t.deepEqual(splitNodeTarget('n1:10255'), { name: 'n1', port: 10255 });
  t.deepEqual(splitNodeTarget('https:n1:10250'), { name: 'n1', port: 10250 });
  t.is(refusal(() => splitNodeTarget('n1:0')).code, 400);
  t.is(refusal(() => splitNodeTarget('http:n1:80')).code, 400);
});
