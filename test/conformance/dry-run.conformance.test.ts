import { secret } from '../../src/config/secret.js';
import { rateLimitedError, transientError } from '../../src/errors.js';
import { FaultQueue, type EmulatorControl } from '../../src/emulators/fault-injector.js';
import { systemClock } from '../../src/ports/clock.js';
import { staticCredentials } from '../../src/providers/credentials.js';
import { createDryRunProvider, type DryRunCall } from '../../src/providers/dry-run/dry-run-provider.js';
import { classifyHttpFailure } from '../../src/providers/http.js';
import { createCapturingLogger } from './capturing-logger.js';
import { CONFORMANCE_ADAPTER_OPTIONS, CONFORMANCE_TIMING } from './conformance-settings.js';
import { runProviderConformance } from './provider-conformance.js';

const UNUSED_TOKEN = 'dry-run-secret-never-used-3b8f';

/**
 * Dry-run talks to no API, so its faults come from an in-memory transport that fails the way an
 * HTTP provider would: statuses go through the same shared classification as the real adapters.
 */
function inMemoryTransport(): { control: EmulatorControl; transport: (call: DryRunCall, signal: AbortSignal) => Promise<void> } {
  const faults = new FaultQueue();
  let requests = 0;
  let mutations = 0;
  const transport = async (call: DryRunCall, signal: AbortSignal): Promise<void> => {
    requests += 1;
    if (call.operation === 'route') mutations += 1;
    const fault = faults.take();
    if (!fault) return;
    const where = `dry-run ${call.operation}`;
    if (fault.kind === 'drop') throw transientError(`${where}: connection failed (ECONNRESET)`, 'network-error');
    if (fault.kind === 'rate-limit') throw rateLimitedError(`${where}: HTTP 429`, fault.retryAfterSeconds * 1000);
    if (fault.kind === 'slow') return systemClock.sleep(fault.ms, signal);
    throw classifyHttpFailure({
      provider: 'dry-run',
      method: call.operation === 'route' ? 'POST' : 'GET',
      path: '/simulated',
      status: fault.status,
      headers: new Headers(),
      body: undefined,
      providerCode: undefined,
      providerMessage: undefined,
      nowMs: Date.now(),
      summary: `${where}: HTTP ${fault.status}`,
    });
  };
  return {
    transport,
    control: {
      failNext: (n, status) => faults.plan({ kind: 'fail', status }, n),
      rateLimitNext: (retryAfterSeconds) => faults.plan({ kind: 'rate-limit', retryAfterSeconds }),
      slowNext: (ms) => faults.plan({ kind: 'slow', ms }),
      dropNext: (n) => faults.plan({ kind: 'drop' }, n),
      clear: () => faults.clear(),
      requestCount: () => requests,
      mutationCount: () => mutations,
    },
  };
}

runProviderConformance({
  name: 'dry-run',
  setup() {
    const { control, transport } = inMemoryTransport();
    const logger = createCapturingLogger();
    const provider = createDryRunProvider({
      logger,
      initialRouting: { '198.51.100.77': 'node-a', '2001:db8:77::/64': 'node-a' },
      credentials: staticCredentials({ token: secret(UNUSED_TOKEN) }),
      transport,
      ...CONFORMANCE_ADAPTER_OPTIONS,
    });
    return Promise.resolve({
      provider,
      addresses: ['198.51.100.77/32', '2001:db8:77::/64'],
      servers: ['node-a', 'node-b'] as const,
      faults: control,
      logs: logger.lines,
      secrets: [UNUSED_TOKEN],
      ...CONFORMANCE_TIMING,
      teardown: () => Promise.resolve(),
    });
  },
});
