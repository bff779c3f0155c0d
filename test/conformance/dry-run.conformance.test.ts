import { secret } from '../../src/config/secret.js';
import { type IpshiftError, rateLimitedError, transientError } from '../../src/errors.js';
import { FaultLayer, type EmulatorControl } from '../../src/emulators/fault-layer.js';
import { systemClock } from '../../src/ports/clock.js';
import { staticCredentials } from '../../src/providers/credentials.js';
import { createDryRunProvider, type DryRunCall } from '../../src/providers/dry-run/dry-run-provider.js';
import { classifyHttpFailure } from '../../src/providers/http.js';
import { runProviderConformance } from './provider-conformance.js';

const UNUSED_TOKEN = 'dry-run-secret-never-used-3b8f';

/**
 * Dry-run talks to no API, so its faults come from an in-memory transport that fails the way an
 * HTTP provider would: statuses go through the same shared classification as the real adapters.
 */
function inMemoryTransport(): { control: EmulatorControl; transport: (call: DryRunCall, signal: AbortSignal) => Promise<void> } {
  const faults = new FaultLayer();
  let requests = 0;
  let mutations = 0;
  const transport = async (call: DryRunCall, signal: AbortSignal): Promise<void> => {
    requests += 1;
    const mutation = call.operation === 'route';
    if (mutation) mutations += 1;
    const fault = faults.take({ token: false, mutation });
    if (!fault) return;
    const where = `dry-run ${call.operation}`;
    const reset = (): IpshiftError => transientError(`${where}: connection failed (ECONNRESET)`, 'network-error');
    switch (fault.kind) {
      case 'reset':
        throw reset();
      case 'lose-answer':
        call.commit();
        throw reset();
      case 'hang':
        return new Promise<void>((_, reject) => signal.addEventListener('abort', () => reject(reset()), { once: true }));
      case 'rate-limit':
        throw rateLimitedError(`${where}: HTTP 429`, fault.retryAfterSeconds * 1000);
      case 'slow':
        return systemClock.sleep(fault.ms, signal);
      case 'fail':
        throw classifyHttpFailure({
          provider: 'dry-run',
          method: mutation ? 'POST' : 'GET',
          path: '/simulated',
          status: fault.status,
          headers: new Headers(),
          body: undefined,
          providerCode: undefined,
          providerMessage: undefined,
          nowMs: Date.now(),
          summary: `${where}: HTTP ${fault.status}`,
        });
    }
  };
  return { transport, control: faults.control({ requestCount: () => requests, mutationCount: () => mutations }) };
}

runProviderConformance({
  name: 'dry-run',
  setup(adapter) {
    const { control, transport } = inMemoryTransport();
    const provider = createDryRunProvider({
      initialRouting: { '198.51.100.77': 'node-a', '2001:db8:77::/64': 'node-a' },
      credentials: staticCredentials({ token: secret(UNUSED_TOKEN) }),
      transport,
      ...adapter,
    });
    return Promise.resolve({
      provider,
      addresses: ['198.51.100.77/32', '2001:db8:77::/64'],
      servers: ['node-a', 'node-b'] as const,
      faults: control,
      secrets: [UNUSED_TOKEN],
      teardown: () => Promise.resolve(),
    });
  },
});
