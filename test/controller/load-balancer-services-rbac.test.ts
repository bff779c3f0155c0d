import { CONTROLLER_SA, deployRbac, makeService, makeEndpointSlice, withoutVerb, type RbacObject } from '../fake-kube-api/index.js';
import { waitFor } from '../support/controller-harness.js';
import { KUBE_SERVER_OF, seededFailoverIP, useKubeCluster } from '../support/kube-controller.js';
import { createCapturingLogger, type CapturingLogger } from '../support/capturing-logger.js';

/**
 * The ClusterRole ipshift-controller-load-balancer-services is sufficient (as shipped, nothing
 * the Service handling asks for is refused, and it all works) and minimal (each grant taken
 * away, the request that needs it is refused and the log says so).
 */

const ROLE = 'ipshift-controller-load-balancer-services';
describe(`ClusterRole ${ROLE} under the fake API server's RBAC`, () => {
  const cluster = useKubeCluster();

  /**
   * A Local Service in namespace `shop` (where nothing else grants the controller Events) with its
   * endpoint on node-2, served from the seeded FailoverIP default/web.
   */
  const start = async (rbac: readonly RbacObject[], logger: CapturingLogger): Promise<void> => {
    await cluster.seed({ api: { rbac } });
    const { api } = cluster;
    api.upsertFailoverIP(seededFailoverIP({ spec: { serviceAllocation: { namespaces: ['shop'] } } }));
    api.setService(makeService({ namespace: 'shop', name: 'shop', externalTrafficPolicy: 'Local' }));
    api.setEndpointSlice(makeEndpointSlice({ namespace: 'shop', service: 'shop', endpoints: [{ node: 'node-2' }] }));
    await cluster.start({ logger });
  };
  const forbidden = (logger: CapturingLogger): string[] => logger.lines.filter((line) => /forbidden/i.test(line));
  const served = (): boolean =>
    (cluster.api.getService('shop', 'shop')?.['status'] as { loadBalancer?: { ingress?: unknown[] } } | undefined)?.loadBalancer?.ingress?.length === 1;

  it('as shipped: the Service is served end to end, every request is the ServiceAccount’s and none is refused', async () => {
    const logger = createCapturingLogger();
    await start(await deployRbac(), logger);
    const { api, emulator } = cluster;
    await waitFor(() => emulator.routing('198.51.100.10') === KUBE_SERVER_OF['node-2'], 5000, 'the IP on the endpoint node');
    await waitFor(served, 5000, 'the ingress written');
    await waitFor(() => api.events('shop').some((e) => e['reason'] === 'NodeAssigned'), 5000, 'the NodeAssigned Event');
    expect(api.requests().filter((r) => r.path !== '/version' && r.serviceAccount?.name !== CONTROLLER_SA.name)).toEqual([]);
    expect(forbidden(logger)).toEqual([]);
  });

  it.each([
    ['services', 'list', ['"resource":"services"', '"phase":"list"', '403']],
    ['services', 'watch', ['"resource":"services"', '"phase":"watch"', '403']],
    ['services/status', 'patch', ['writing the status of a LoadBalancer Service failed', 'patch_service_status: HTTP 403']],
    ['endpointslices', 'list', ['"resource":"endpointslices"', '"phase":"list"', '403']],
    ['endpointslices', 'watch', ['"resource":"endpointslices"', '"phase":"watch"', '403']],
    ['events', 'create', ['could not record an Event on a Service', '403']],
  ])('without %s %s: refused, and the log says so', async (resource, verb, expected) => {
    const logger = createCapturingLogger();
    await start(withoutVerb(await deployRbac(), 'ClusterRole', ROLE, resource, verb), logger);
    await waitFor(() => logger.lines.some((line) => expected.every((part) => line.includes(part))), 8000, `a logged 403 for ${verb} ${resource}`);
  });
});
