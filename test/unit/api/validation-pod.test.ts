import test from 'ava';
import { defaultObject } from '../../../src/api/defaults.js';
import { validateObject } from '../../../src/api/validation.js';
import * as build from '../../helpers/builders.js';

const POD = { group: '', version: 'v1', kind: 'Pod' };
const DEPLOY = { group: 'apps', version: 'v1', kind: 'Deployment' };
const pod = (spec: object) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec });
const ctr = (extra: object = {}) => ({ name: 'c', image: 'nginx', ...extra });
/** The causes of a pod with one container carrying `extra`, and pod-level `spec` fields. */
const causes = (extra: object, spec: object = {}) => validateObject(POD, pod({ containers: [ctr(extra)], ...spec }));
/** The single cause expected; several (or none) show up whole in the failure. */
const one = (extra: object, spec: object = {}): { field?: string; message: string; reason?: string } => {
  const cs = causes(extra, spec);
  return cs.length === 1 ? { field: cs[0]!.field, message: cs[0]!.message, reason: cs[0]!.reason } : { message: JSON.stringify(cs) };
};

test('a realistic defaulted deployment with probes, volumes, env and scheduling has no causes', (t) => {
  const d: any = {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { app: 'web' } },
    spec: {
      replicas: 3, selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          hostname: 'web', subdomain: 'svc',
          securityContext: { runAsUser: 1000, runAsGroup: 1000, fsGroup: 2000, supplementalGroups: [3000], fsGroupChangePolicy: 'OnRootMismatch', seccompProfile: { type: 'RuntimeDefault' } },
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }, { operator: 'Exists' },
            { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }, { key: 'dedicated', value: 'web', effect: 'NoSchedule' }],
          affinity: {
            nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] }] }] },
              preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, preference: { matchExpressions: [{ key: 'zone', operator: 'Exists' }] } }] },
            podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'web' } } } }] },
          },
          initContainers: [{ name: 'init', image: 'busybox', command: ['sh', '-c', 'true'] }, { name: 'sidecar', image: 'envoy', restartPolicy: 'Always', readinessProbe: { tcpSocket: { port: 9901 } } }],
          containers: [{
            name: 'web', image: 'nginx:1.27',
            ports: [{ name: 'http', containerPort: 80 }, { name: 'metrics', containerPort: 9090, protocol: 'TCP' }],
            env: [{ name: 'MODE', value: 'prod' }, { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
              { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory' } } },
              { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
              { name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'log.level', optional: true } } }, { name: 'EMPTY' }],
            envFrom: [{ configMapRef: { name: 'cfg' } }, { prefix: 'DB_', secretRef: { name: 'db' } }],
            volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'cfg', mountPath: '/etc/cfg', readOnly: true },
              { name: 'cfg', mountPath: '/etc/nginx/nginx.conf', subPath: 'nginx.conf' }, { name: 'tok', mountPath: '/var/run/tok' }, { name: 'host', mountPath: '/host' }],
            livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, initialDelaySeconds: 5, periodSeconds: 10 },
            readinessProbe: { tcpSocket: { port: 80 }, successThreshold: 2 },
            startupProbe: { exec: { command: ['cat', '/tmp/ready'] }, failureThreshold: 30 },
            lifecycle: { preStop: { exec: { command: ['nginx', '-s', 'quit'] } }, postStart: { httpGet: { port: 80 } } },
            resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1', memory: '128Mi' } },
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
          }],
          volumes: [{ name: 'data', emptyDir: { sizeLimit: '1Gi' } }, { name: 'cfg', configMap: { name: 'cfg', items: [{ key: 'nginx.conf', path: 'nginx.conf' }, { key: 'x', path: 'sub/x.conf' }] } },
            { name: 'tok', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3600 } }, { configMap: { name: 'ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
              { downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } }] } },
            { name: 'host', hostPath: { path: '/var/log', type: 'Directory' } }, { name: 'secret', secret: { secretName: 'db' } }, { name: 'pvc', persistentVolumeClaim: { claimName: 'data' } },
            { name: 'dflt' }],
        },
      },
    },
  };
  defaultObject(DEPLOY, d);
  t.deepEqual(validateObject(DEPLOY, d), []);
});

test('probes need exactly one handler, non-negative timings, and liveness/startup succeed once', (t) => {
  t.deepEqual(one({ livenessProbe: { periodSeconds: 5 } }), { reason: 'FieldValueRequired', field: 'spec.containers[0].livenessProbe', message: 'Required value: must specify a handler type' });
  t.deepEqual(one({ readinessProbe: { exec: { command: ['true'] }, httpGet: { port: 80 } } }),
    { reason: 'FieldValueForbidden', field: 'spec.containers[0].readinessProbe.httpGet', message: 'Forbidden: may not specify more than 1 handler type' });
  t.deepEqual(one({ startupProbe: { tcpSocket: { port: 80 }, periodSeconds: -1 } }),
    { reason: 'FieldValueInvalid', field: 'spec.containers[0].startupProbe.periodSeconds', message: 'Invalid value: -1: must be greater than or equal to 0' });
  t.deepEqual(one({ livenessProbe: { tcpSocket: { port: 80 }, successThreshold: 3 } }),
    { reason: 'FieldValueInvalid', field: 'spec.containers[0].livenessProbe.successThreshold', message: 'Invalid value: 3: must be 1' });
  t.deepEqual(causes({ readinessProbe: { tcpSocket: { port: 80 }, successThreshold: 3 } }), []);
  t.deepEqual(one({ livenessProbe: { httpGet: { port: 'Web_Port' } } }).field, 'spec.containers[0].livenessProbe.httpGet.port');
  t.deepEqual(one({ livenessProbe: { httpGet: { port: 70000 } } }).message, 'Invalid value: 70000: must be between 1 and 65535, inclusive');
  t.deepEqual(one({ livenessProbe: { httpGet: { port: 80, scheme: 'FTP' } } }).message, 'Unsupported value: "FTP": supported values: "HTTP", "HTTPS"');
  t.deepEqual(one({ livenessProbe: { exec: {} } }).field, 'spec.containers[0].livenessProbe.exec.command');
  t.deepEqual(one({ livenessProbe: { grpc: { port: 0 } } }).field, 'spec.containers[0].livenessProbe.grpc.port');
});

test('lifecycle hooks need exactly one handler; init containers may not have probes or hooks', (t) => {
  t.deepEqual(one({ lifecycle: { preStop: {} } }), { reason: 'FieldValueRequired', field: 'spec.containers[0].lifecycle.preStop', message: 'Required value: must specify a handler type' });
  t.deepEqual(one({ lifecycle: { postStart: { exec: { command: ['x'] }, sleep: { seconds: 1 } } } }).field, 'spec.containers[0].lifecycle.postStart.sleep');
  const cs = validateObject(POD, pod({ containers: [ctr()], initContainers: [{ name: 'i', image: 'x', livenessProbe: { tcpSocket: { port: 1 } } }] }));
  t.deepEqual(cs, [{ reason: 'FieldValueForbidden', field: 'spec.initContainers[0].livenessProbe', message: 'Forbidden: may not be set for init containers without restartPolicy=Always' }]);
  t.deepEqual(one({ restartPolicy: 'Always' }).field, 'spec.containers[0].restartPolicy');
});

test('volumes have exactly one source, DNS-label unique names, and safe item paths', (t) => {
  const vol = (v: object) => causes({}, { volumes: [v] });
  t.deepEqual(vol({ name: 'v', emptyDir: {}, hostPath: { path: '/x' } }).map((c) => [c.field, c.message]), [['spec.volumes[0].hostPath', 'Forbidden: may not specify more than 1 volume type']]);
  t.deepEqual(vol({ name: 'v' }).map((c) => [c.field, c.message]), [['spec.volumes[0]', 'Required value: must specify a volume type']]);
  t.deepEqual(vol({ name: 'Bad_Name', emptyDir: {} }).map((c) => c.field), ['spec.volumes[0].name']);
  t.deepEqual(causes({}, { volumes: [{ name: 'v', emptyDir: {} }, { name: 'v', emptyDir: {} }] }).map((c) => [c.field, c.message]), [['spec.volumes[1].name', 'Duplicate value: "v"']]);
  t.deepEqual(vol({ name: 'v', hostPath: {} }).map((c) => c.field), ['spec.volumes[0].hostPath.path']);
  t.deepEqual(vol({ name: 'v', hostPath: { path: '/a/../etc' } }).map((c) => c.message), ['Invalid value: "/a/../etc": must not contain \'..\'']);
  t.deepEqual(vol({ name: 'v', hostPath: { path: '/a', type: 'Dir' } }).map((c) => c.field), ['spec.volumes[0].hostPath.type']);
  t.deepEqual(vol({ name: 'v', emptyDir: { sizeLimit: 'lots' } }).map((c) => c.field), ['spec.volumes[0].emptyDir.sizeLimit']);
  t.deepEqual(vol({ name: 'v', emptyDir: { sizeLimit: '-1Gi' } }).map((c) => c.message), ['Forbidden: SizeLimit field must be a valid resource quantity']);
  t.deepEqual(vol({ name: 'v', configMap: { name: 'c', items: [{ key: 'k', path: '/etc/abs' }] } }).map((c) => [c.field, c.message]),
    [['spec.volumes[0].configMap.items[0].path', 'Invalid value: "/etc/abs": must be a relative path']]);
  t.deepEqual(vol({ name: 'v', secret: { secretName: 's', items: [{ key: 'k', path: 'a/../../b' }] } }).map((c) => c.field), ['spec.volumes[0].secret.items[0].path']);
  t.deepEqual(vol({ name: 'v', secret: { secretName: 's', items: [{ key: 'k', path: '..data' }] } }).map((c) => c.message), ['Invalid value: "..data": must not start with \'..\'']);
  t.deepEqual(vol({ name: 'v', projected: { sources: [{ configMap: { name: 'c', items: [{ key: 'k', path: '../x' }] } }] } }).map((c) => c.field), ['spec.volumes[0].projected.sources[0].configMap.items[0].path']);
  t.deepEqual(vol({ name: 'v', secret: {} }).map((c) => c.field), ['spec.volumes[0].secret.secretName']);
  t.deepEqual(vol({ name: 'v', configMap: { name: 'c', defaultMode: 1000 } }).map((c) => c.field), ['spec.volumes[0].configMap.defaultMode']);
});

test('volume mounts name a volume, have unique mount paths and relative subPaths', (t) => {
  const spec = { volumes: [{ name: 'v', emptyDir: {} }] };
  t.deepEqual(one({ volumeMounts: [{ name: 'nope', mountPath: '/a' }] }, spec), { reason: 'FieldValueNotFound', field: 'spec.containers[0].volumeMounts[0].name', message: 'Not found: "nope"' });
  t.deepEqual(one({ volumeMounts: [{ name: 'v', mountPath: '/a' }, { name: 'v', mountPath: '/a' }] }, spec),
    { reason: 'FieldValueInvalid', field: 'spec.containers[0].volumeMounts[1].mountPath', message: 'Invalid value: "/a": must be unique' });
  t.deepEqual(one({ volumeMounts: [{ name: 'v', mountPath: '/a', subPath: '../up' }] }, spec).field, 'spec.containers[0].volumeMounts[0].subPath');
  t.deepEqual(one({ volumeMounts: [{ name: 'v', mountPath: '/a', subPath: '/abs' }] }, spec).message, 'Invalid value: "/abs": must be a relative path');
  // A mount of a volume that is itself invalid is reported once, at the volume.
  t.deepEqual(causes({ volumeMounts: [{ name: 'v', mountPath: '/a' }] }, { volumes: [{ name: 'v', hostPath: {} }] }).map((c) => c.field), ['spec.volumes[0].hostPath.path']);
});

test('env names, valueFrom and envFrom are checked as upstream', (t) => {
  t.deepEqual(one({ env: [{ name: 'A=B', value: '1' }] }).message, 'Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than \'=\'');
  t.deepEqual(causes({ env: [{ name: 'my.var-1', value: '1' }] }), []);
  t.deepEqual(one({ env: [{ name: 'A', valueFrom: {} }] }), { reason: 'FieldValueInvalid', field: 'spec.containers[0].env[0].valueFrom', message: 'Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`' });
  t.deepEqual(one({ env: [{ name: 'A', value: 'x', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] }).message, 'Invalid value: "": may not be specified when `value` is not empty');
  t.deepEqual(one({ env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 's', key: 'k' }, configMapKeyRef: { name: 'c', key: 'k' } } }] }).message, 'Invalid value: "": may not have more than one field specified at a time');
  t.deepEqual(one({ env: [{ name: 'A', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.containers' } } }] }).field, 'spec.containers[0].env[0].valueFrom.fieldRef.fieldPath');
  t.deepEqual(one({ env: [{ name: 'A', valueFrom: { resourceFieldRef: { resource: 'limits.gpu' } } }] }).field, 'spec.containers[0].env[0].valueFrom.resourceFieldRef.resource');
  t.deepEqual(one({ env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 's', key: 'bad/key' } } }] }).field, 'spec.containers[0].env[0].valueFrom.secretKeyRef.key');
  t.deepEqual(one({ envFrom: [{ prefix: 'P_' }] }), { reason: 'FieldValueInvalid', field: 'spec.containers[0].envFrom[0]', message: 'Invalid value: "": must specify one of: `configMapRef` or `secretRef`' });
  t.deepEqual(one({ envFrom: [{ configMapRef: { name: 'c' }, secretRef: { name: 's' } }] }).message, 'Invalid value: "": may not have more than one field specified at a time');
});

test('container port names are IANA service names, unique; containerPort is required', (t) => {
  t.deepEqual(one({ ports: [{ name: 'a-very-long-port-name', containerPort: 80 }] }).message, 'Invalid value: "a-very-long-port-name": must be no more than 15 characters');
  t.deepEqual(one({ ports: [{ name: '8080', containerPort: 80 }] }).message, 'Invalid value: "8080": must contain at least one letter (a-z)');
  t.deepEqual(one({ ports: [{ name: 'Http', containerPort: 80 }] }).field, 'spec.containers[0].ports[0].name');
  t.deepEqual(one({ ports: [{ name: 'http', containerPort: 80 }, { name: 'http', containerPort: 81 }] }).message, 'Duplicate value: "http"');
  t.deepEqual(one({ ports: [{ containerPort: 0 }] }), { reason: 'FieldValueRequired', field: 'spec.containers[0].ports[0].containerPort', message: 'Required value' });
});

test('security contexts: ids in range, enums, contradicting privilege settings', (t) => {
  t.deepEqual(one({}, { securityContext: { runAsUser: -1 } }), { reason: 'FieldValueInvalid', field: 'spec.securityContext.runAsUser', message: 'Invalid value: -1: must be between 0 and 2147483647, inclusive' });
  t.deepEqual(one({}, { securityContext: { fsGroup: -5 } }).field, 'spec.securityContext.fsGroup');
  t.deepEqual(one({}, { securityContext: { fsGroupChangePolicy: 'Sometimes' } }).field, 'spec.securityContext.fsGroupChangePolicy');
  t.deepEqual(one({ securityContext: { runAsUser: -1 } }).field, 'spec.containers[0].securityContext.runAsUser');
  t.deepEqual(one({ securityContext: { privileged: true, allowPrivilegeEscalation: false } }).message.endsWith('cannot set `allowPrivilegeEscalation` to false and `privileged` to true'), true);
  t.true(one({ securityContext: { allowPrivilegeEscalation: false, capabilities: { add: ['CAP_SYS_ADMIN'] } } }).message.endsWith('cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN'));
  t.deepEqual(causes({ securityContext: { allowPrivilegeEscalation: false, capabilities: { add: ['SYS_ADMIN'] } } }), [], 'upstream compares the literal CAP_SYS_ADMIN only');
  t.deepEqual(one({ securityContext: { seccompProfile: { type: 'Localhost' } } }).field, 'spec.containers[0].securityContext.seccompProfile.localhostProfile');
});

test('tolerations, nodeSelector and affinity are checked as upstream', (t) => {
  const tol = (x: object) => one({}, { tolerations: [x] });
  t.deepEqual(tol({ key: 'k', operator: 'Exists', value: 'v' }).message.endsWith("value must be empty when `operator` is 'Exists'"), true);
  t.deepEqual(tol({ key: 'k', operator: 'Exists', value: 'v' }).field, 'spec.tolerations[0].operator');
  t.deepEqual(tol({ key: 'k', operator: 'Equal', value: 'v', effect: 'NoWay' }), { reason: 'FieldValueNotSupported', field: 'spec.tolerations[0].effect', message: 'Unsupported value: "NoWay": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"' });
  t.deepEqual(tol({ key: 'k', operator: 'Like' }).message, 'Unsupported value: "Like": supported values: "Equal", "Exists"');
  t.deepEqual(tol({ value: 'v' }).message, 'Invalid value: "": operator must be Exists when `key` is empty, which means "match all values and all keys"');
  t.deepEqual(tol({ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 5 }).field, 'spec.tolerations[0].effect');
  t.deepEqual(one({}, { nodeSelector: { 'bad key!': 'x' } }).field, 'spec.nodeSelector');
  const aff = (na: object) => one({}, { affinity: { nodeAffinity: na } });
  t.deepEqual(aff({ requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } }).message, 'Required value: must have at least one node selector term');
  t.deepEqual(aff({ requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'k', operator: 'Is', values: ['a'] }] }] } }),
    { reason: 'FieldValueInvalid', field: 'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator', message: 'Invalid value: "Is": not a valid selector operator' });
  t.deepEqual(aff({ requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'k', operator: 'In' }] }] } }).field,
    'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values');
  t.deepEqual(aff({ preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 0, preference: {} }] }).message, 'Invalid value: 0: must be in the range 1-100');
  t.deepEqual(one({}, { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: {} }] } } }).field,
    'spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey');
  t.deepEqual(one({}, { hostname: 'Web_1' }).field, 'spec.hostname');
  t.deepEqual(one({}, { subdomain: 'a.b' }).field, 'spec.subdomain');
});

test('container names are unique across init and regular containers', (t) => {
  const cs = validateObject(POD, build.pod('p').withContainers(ctr()).withSpec({ initContainers: [{ name: 'c', image: 'x' }] }));
  t.deepEqual(cs.map((c) => [c.field, c.message]), [['spec.initContainers[0].name', 'Duplicate value: "c"']]);
});

test('resource names from the body are data: a request above its limit is refused whatever the name', (t) => {
  // JSON.parse makes "__proto__" an own key, as the apiserver's decoders do.
  const resources = JSON.parse('{"requests":{"__proto__":"2","constructor":"1"},"limits":{"__proto__":"1"}}');
  t.deepEqual(causes({ resources }).map((c) => [c.field, c.message]),
    [['spec.containers[0].resources.requests[__proto__]', 'Invalid value: "2": must be less than or equal to __proto__ limit of 1']]);
});
