import { startNetcupEmulator, type NetcupEmulator } from '../../src/emulators/netcup/netcup-emulator.js';
import type { LogFields, Logger } from '../../src/ports/logger.js';
import {
  CONTROLLER_SA,
  deployRbac,
  makeFailoverIP,
  makeService,
  makeServiceEndpoints,
  startFakeKubeApi,
  withoutVerb,
  type FakeKubeApi,
  type RbacObject,
} from '../fake-kube-api/index.js';
import { waitFor } from '../support/controller-harness.js';
import { KUBE_SERVER_OF, seedCluster, startKubeController, type KubeController } from '../support/kube-controller.js';

/**
 * The ClusterRole ipshift-controller-load-balancer-services is sufficient (as shipped, nothing
 * the Service handling asks for is refused, and it all works) and minimal (each grant taken
 * away, the request that needs it is refused and the log says so).
 */

const ROLE = 'ipshift-controller-load-balancer-services';
type Line = { message: string; text: string };

function recordingLogger(lines: Line[]): Logger {
  const record = (message: string, fields: LogFields = {}): void => {
    const text = JSON.stringify(fields, (_key, value: unknown) => (value instanceof Error ? `${value.name}: ${value.message}` : value));
    lines.push({ message, text: `${message} ${text}` });
  };
  const logger: Logger = { debug: record, info: record, warn: record, error: record, child: () => logger };
  return logger;
}

describe(`ClusterRole ${ROLE} under the fake API server's RBAC`, () => {
  let api: FakeKubeApi;
  let emulator: NetcupEmulator;
  let controller: KubeController | undefined;

  afterEach(async () => {
    await controller?.stop();
    controller = undefined;
    await emulator.close();
    await api.stop();
  });

  /**
   * A Local Service in namespace `shop` (where nothing else grants the controller Events) with its
   * endpoint on node-2, served from the seeded FailoverIP default/web.
   */
  const start = async (rbac: readonly RbacObject[], lines: Line[]): Promise<void> => {
    api = await startFakeKubeApi({ rbac });
    emulator = await startNetcupEmulator({ taskDurationMs: 30, moveIntervalMs: 0 });
    seedCluster(api, emulator);
    const fip = makeFailoverIP({
      namespace: 'default',
      name: 'web',
      addresses: ['198.51.100.10'],
      providerType: 'netcup',
      secretName: 'netcup',
      policy: { cooldownSeconds: 0 },
    });
    api.upsertFailoverIP({ ...fip, spec: { ...(fip['spec'] as object), serviceAllocation: { namespaces: ['shop'] } } });
    api.setService(makeService({ namespace: 'shop', name: 'shop', externalTrafficPolicy: 'Local' }));
    api.setEndpointSlice(makeServiceEndpoints({ namespace: 'shop', service: 'shop', endpoints: [{ node: 'node-2' }] }));
    controller = await startKubeController(api, emulator, 'ipshift-0', recordingLogger(lines));
  };
  const forbidden = (lines: Line[]): Line[] => lines.filter((l) => /forbidden/i.test(l.text));
  const served = (): boolean =>
    (api.getService('shop', 'shop')?.['status'] as { loadBalancer?: { ingress?: unknown[] } } | undefined)?.loadBalancer?.ingress?.length === 1;

  it('as shipped: the Service is served end to end, every request is the ServiceAccount’s and none is refused', async () => {
    const lines: Line[] = [];
    await start(await deployRbac(), lines);
    await waitFor(() => emulator.routing('198.51.100.10') === KUBE_SERVER_OF['node-2'], 5000, 'the IP on the endpoint node');
    await waitFor(served, 5000, 'the ingress written');
    await waitFor(() => api.events('shop').some((e) => e['reason'] === 'NodeAssigned'), 5000, 'the NodeAssigned Event');
    expect(api.requests().filter((r) => r.path !== '/version' && r.serviceAccount?.name !== CONTROLLER_SA.name)).toEqual([]);
    expect(forbidden(lines)).toEqual([]);
  });

  it.each([
    ['services', 'list', ['"resource":"services"', '"phase":"list"', '403']],
    ['services', 'watch', ['"resource":"services"', '"phase":"watch"', '403']],
    ['services/status', 'patch', ['writing the status of a LoadBalancer Service failed', 'patch_service_status: HTTP 403']],
    ['endpointslices', 'list', ['"resource":"endpointslices"', '"phase":"list"', '403']],
    ['endpointslices', 'watch', ['"resource":"endpointslices"', '"phase":"watch"', '403']],
    ['events', 'create', ['could not record an Event on a Service', '403']],
  ])('without %s %s: refused, and the log says so', async (resource, verb, expected) => {
    const lines: Line[] = [];
    await start(withoutVerb(await deployRbac(), 'ClusterRole', ROLE, resource, verb), lines);
    await waitFor(() => lines.some((l) => expected.every((part) => l.text.includes(part))), 8000, `a logged 403 for ${verb} ${resource}`);
  });
});
