import { CONTROLLER_SA, deployRbac, makeFailoverIP, withoutVerb } from '../fake-kube-api/index.js';
import { waitFor } from '../support/controller-harness.js';
import { failoverIPStatus, useKubeCluster, type KubeController } from '../support/kube-controller.js';
import { createCapturingLogger, type CapturingLogger } from '../support/capturing-logger.js';

/**
 * The fake API server holds the controller to the RBAC rendered from deploy/. These tests prove
 * the enforcement bites: one rule taken out of the rendered ClusterRole, and the controller's own
 * log and metric show the 403, as they would in a cluster.
 */

/** ipshift_kube_list_failing{resource="pods"} as the controller's /metrics serves it (undefined: no such series). */
const podsListFailing = async (url: string): Promise<number | undefined> => {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('ipshift_kube_list_failing{') && l.includes('resource="pods"'));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
};

describe('the controller under the RBAC of deploy/', () => {
  const cluster = useKubeCluster();

  const start = async (rbac: Awaited<ReturnType<typeof deployRbac>>, logger: CapturingLogger): Promise<KubeController> => {
    await cluster.seed({ api: { rbac } });
    // A FailoverIP that follows pods: the controller must list them in `ingress`.
    cluster.api.upsertFailoverIP(
      makeFailoverIP({
        namespace: 'default',
        name: 'ingress',
        addresses: ['198.51.100.20'],
        podSelector: { namespace: 'ingress', matchLabels: { app: 'ingress' } },
      }),
    );
    return cluster.start({ logger });
  };

  it('as shipped: every request is the ServiceAccount’s and none is refused', async () => {
    const logger = createCapturingLogger();
    const controller = await start(await deployRbac(), logger);
    const { api } = cluster;
    await waitFor(() => controller.elector.isLeader(), 5000, 'leadership');
    await waitFor(() => failoverIPStatus(api)['assignedNode'] !== undefined, 5000, 'status written');
    // The pods were listed (the gauge is exported once a re-list has counted problems).
    expect(api.requests().some((r) => r.method === 'GET' && r.path === '/api/v1/namespaces/ingress/pods')).toBe(true);
    expect((await podsListFailing(controller.url)) ?? 0).toBe(0);
    expect(api.requests().filter((r) => r.path !== '/version' && r.serviceAccount?.name !== CONTROLLER_SA.name)).toEqual([]);
    expect(logger.records.filter((l) => /forbidden/i.test(`${l.message} ${JSON.stringify(l.fields)}`))).toEqual([]);
  });

  it('without `list pods` in ClusterRole ipshift-controller: the 403 reaches the log and ipshift_kube_list_failing', async () => {
    const logger = createCapturingLogger();
    const controller = await start(withoutVerb(await deployRbac(), 'ClusterRole', 'ipshift-controller', 'pods', 'list'), logger);
    await waitFor(async () => (await podsListFailing(controller.url)) === 1, 5000, 'ipshift_kube_list_failing{resource="pods"} = 1');
    const logged = logger.records.filter((l) => /forbidden/i.test(`${l.message} ${JSON.stringify(l.fields)}`));
    expect(logged.length).toBeGreaterThan(0);
    expect(logged[0]?.fields).toMatchObject({ resource: 'pods', path: '/api/v1/namespaces/ingress/pods', status: 403 });
    // The rest of the controller is unaffected: it still leads and writes status.
    await waitFor(() => controller.elector.isLeader(), 5000, 'leadership');
  });
});
