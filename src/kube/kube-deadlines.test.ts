import { Registry } from 'prom-client';
import { IpshiftError } from '../errors.js';
import { createKubeMetrics } from '../metrics/kube-metrics.js';
import { systemClock } from '../ports/clock.js';
import { silentLogger } from '../ports/logger.js';
import { makeFailoverIP, makeNode, type FakeKubeApi } from '../../test/fake-kube-api/index.js';
import { waitFor } from '../../test/support/wait.js';
import type { KubeClusterViewOptions } from './kube-cluster-view.js';
import { createKubeClusterWriter } from './kube-cluster-writer.js';
import { createKubeSecretAccess } from './kube-secret-access.js';
import { rejectionOf } from '../../test/support/rejection-of.js';
import { metricValue } from '../../test/support/metric-value.js';
import { useKubeViews, type StartedView } from '../../test/support/kube-views.js';

/** Short deadlines keep the tests fast; production uses KUBE_REQUEST_DEADLINE_MS and LIST_DEADLINE_MS. */
const DEADLINE_MS = 300;

const kube = useKubeViews();
const startView = (extra: Partial<KubeClusterViewOptions> = {}): StartedView =>
  kube.startView({ listDeadlineMs: DEADLINE_MS, watchConnectMs: DEADLINE_MS, ...extra }, 'ipshift-controller');

const statusWriter = (extra: { deadlineMs?: number } = {}) =>
  createKubeClusterWriter({
    kubeConfig: kube.api.kubeConfig(),
    logger: silentLogger,
    clock: systemClock,
    metrics: createKubeMetrics(new Registry()),
    instance: 'test',
    ...extra,
  });

const secret = (namespace: string, name: string, value: string): Parameters<FakeKubeApi['setSecret']>[0] => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { namespace, name },
  data: { token: Buffer.from(value).toString('base64') },
});

describe('a deadline on every Kubernetes call', () => {
  it('an unanswered Secret GET fails as transient at the deadline, and a read of another Secret meanwhile is answered', async () => {
    kube.api.setSecret(secret('a', 'hung', 'x'));
    kube.api.setSecret(secret('b', 'fine', 'y'));
    kube.api.failNext({ method: 'GET', path: '/namespaces/a/secrets/hung', fault: { kind: 'hang' } });
    const secrets = createKubeSecretAccess({
      kubeConfig: kube.api.kubeConfig(),
      clock: systemClock,
      metrics: createKubeMetrics(new Registry()),
      deadlineMs: DEADLINE_MS,
    });
    // One answered read first: on a loaded machine, undici's first request in a process (its
    // code loaded, a connection opened) can take longer than this test's short deadline.
    await secrets.read('b', 'fine').catch(() => undefined);
    const hung = rejectionOf(secrets.read('a', 'hung'));
    expect((await secrets.read('b', 'fine'))['token']?.reveal()).toBe('y');
    const error = await hung;
    expect(error).toBeInstanceOf(IpshiftError);
    expect(error.kind).toBe('transient');
    expect(error.message).toMatch(/get_secret: no answer/);
  });

  it('an unanswered status PATCH fails at the deadline instead of holding its caller forever', async () => {
    kube.api.upsertFailoverIP(makeFailoverIP({ name: 'web' }));
    kube.api.failNext({ method: 'PATCH', path: '/status', fault: { kind: 'hang' } });
    const writer = statusWriter({ deadlineMs: DEADLINE_MS });
    const error = await rejectionOf(writer.patchStatus('ipshift', 'web', { assignedNode: 'n1' }));
    expect(error.kind).toBe('transient');
    // The API answers again: the next write goes through.
    await writer.patchStatus('ipshift', 'web', { assignedNode: 'n2' });
    expect(kube.api.getFailoverIP('ipshift', 'web')?.['status']).toMatchObject({ assignedNode: 'n2' });
  });

  it('a status PATCH whose answer is lost was applied all the same (the fault layer processes it)', async () => {
    kube.api.upsertFailoverIP(makeFailoverIP({ name: 'web' }));
    kube.api.failNext({ method: 'PATCH', path: '/status', fault: { kind: 'lose-answer' } });
    const writer = statusWriter();
    const error = await rejectionOf(writer.patchStatus('ipshift', 'web', { assignedNode: 'n1' }));
    expect(error.kind).toBe('transient');
    expect(kube.api.getFailoverIP('ipshift', 'web')?.['status']).toMatchObject({ assignedNode: 'n1' });
  });

  it("429 with Retry-After is rate-limited with the server's wait; 401 is terminal; a reset is transient", async () => {
    kube.api.setSecret(secret('a', 's', 'x'));
    const secrets = createKubeSecretAccess({ kubeConfig: kube.api.kubeConfig(), clock: systemClock, metrics: createKubeMetrics(new Registry()) });
    kube.api.failNext({ path: '/secrets/s', fault: { kind: 'rate-limit', retryAfterSeconds: 7 } });
    const limited = (await rejectionOf(secrets.read('a', 's'))) as IpshiftError;
    expect(limited.kind).toBe('rate-limited');
    expect(limited.retryAfterMs).toBeGreaterThanOrEqual(6000);
    kube.api.failNext({ path: '/secrets/s', status: 401 });
    expect(((await rejectionOf(secrets.read('a', 's'))) as IpshiftError).kind).toBe('terminal');
    kube.api.failNext({ path: '/secrets/s', fault: { kind: 'reset' } });
    expect(((await rejectionOf(secrets.read('a', 's'))) as IpshiftError).kind).toBe('transient');
    expect((await secrets.read('a', 's'))['token']?.reveal()).toBe('x');
  });

  it('an unanswered list and an unanswered watch request are abandoned and retried: the view still syncs and follows changes', async () => {
    kube.api.setNode(makeNode({ name: 'n1' }));
    kube.api.failNext({ method: 'GET', path: /^\/api\/v1\/nodes$/, fault: { kind: 'hang' } });
    const { view } = startView();
    await view.start();
    expect(view.nodes().map((n) => n.name)).toEqual(['n1']);
    // The watch request after a resync hangs once: the reflector gives up on it and watches again.
    kube.api.failNext({ method: 'GET', path: /^\/api\/v1\/nodes$/, fault: { kind: 'hang' }, times: 1 });
    kube.api.dropWatches();
    await waitFor(() => kube.api.activeWatches('nodes') === 1, 5000, 'watching again');
    kube.api.setNode(makeNode({ name: 'n2' }));
    await waitFor(() => view.nodes().length === 2, 5000, 'n2 seen through the new watch');
  });
});

describe('a collection that cannot be listed', () => {
  it('403 on pods: reported (state, metric), the periodic re-list still completes, nodes and FailoverIPs unaffected', async () => {
    kube.api.setNode(makeNode({ name: 'n1' }));
    kube.api.upsertFailoverIP(makeFailoverIP({ name: 'web', podSelector: { namespace: 'ingress', matchLabels: { app: 'ingress' } } }));
    kube.api.failNext({ path: '/namespaces/ingress/pods', status: 403, times: 100_000 });
    const { view, registry } = startView();
    await view.start();
    await waitFor(() => view.listProblems().length === 1, 5000, 'the pod list problem reported');
    expect(view.listProblems()[0]).toMatchObject({ resource: 'pods', path: '/api/v1/namespaces/ingress/pods', status: 403 });
    expect(view.listProblems()[0]?.message).toMatch(/RBAC/);
    expect(await metricValue(registry, 'ipshift_kube_list_failing', { resource: 'pods' })).toBe(1);
    // What the cron job runs every minute: it must end, or node-cron skips every later run.
    await view.resync();
    await view.resync();
    kube.api.setNode(makeNode({ name: 'n2' }));
    await waitFor(() => view.nodes().length === 2, 5000, 'nodes still followed');
    // Access granted: the problem clears.
    kube.api.clearFailures();
    await view.resync();
    await waitFor(() => view.listProblems().length === 0, 5000, 'problem cleared');
    expect(await metricValue(registry, 'ipshift_kube_list_failing', { resource: 'pods' })).toBe(0);
  });

  it('the agent view (watchPods false) never asks for pods, whatever the FailoverIPs select', async () => {
    kube.api.setNode(makeNode({ name: 'n1' }));
    kube.api.upsertFailoverIP(makeFailoverIP({ name: 'web', podSelector: { namespace: 'ingress', matchLabels: { app: 'ingress' } } }));
    const { view } = startView({ watchPods: false, nodeName: 'n1' });
    await view.start();
    view.nodesWithReadyPods({ namespace: 'ingress', matchLabels: { app: 'ingress' } });
    await view.resync();
    expect(kube.api.requests().filter((r) => r.path.includes('/pods'))).toEqual([]);
  });
});
