import type { TestFn } from 'ava';
import { configCases } from './config.case.js';
import { containerCases } from './container.case.js';
import { errorCases } from './errors.case.js';
import { eventCases } from './events.case.js';
import { execCases, streamingCases } from './exec.case.js';
import type { CriFixture } from './fixtures.js';
import { hostileImageCases } from './hostile-image.case.js';
import { hostileRegistryCases } from './hostile-registry.case.js';
import { imageCases } from './image.case.js';
import { networkCases } from './network.case.js';
import { pidNamespaceCases } from './pid-namespace.case.js';
import { podCases } from './pod.case.js';
import { registryAuthCases } from './registry-auth.case.js';
import { reopenLogCases } from './reopen-log.case.js';
import { resourceCases } from './resources.case.js';
import { sandboxStatsCases } from './sandbox-stats.case.js';
import { runtimeInfoCases } from './runtime-info.case.js';
import { securityCases } from './security.case.js';
import { streamingIoCases } from './streaming-io.case.js';
import { updateResourceCases } from './update-resources.case.js';

/** Registers the whole CRI conformance suite; fx() must be valid by the time tests run (test.before). */
export function registerCriSuite(test: TestFn, fx: () => CriFixture): void {
  for (const cases of [runtimeInfoCases, imageCases, podCases, containerCases, execCases, streamingCases, streamingIoCases, configCases, securityCases, resourceCases, updateResourceCases, reopenLogCases, eventCases, sandboxStatsCases, networkCases, pidNamespaceCases, errorCases, hostileImageCases, registryAuthCases, hostileRegistryCases]) {
    cases(test, fx);
  }
}
