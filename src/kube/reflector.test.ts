import { CoreV1Api, Watch } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { createKubeMetrics } from '../metrics/kube-metrics.js';
import { systemClock } from '../ports/clock.js';
import { makeNode, startFakeKubeApi, type FakeKubeApi } from '../../test/fake-kube-api/index.js';
import { waitFor } from '../../test/support/wait.js';
import { makeKubeClient } from './kube-client.js';
import { Reflector } from './reflector.js';
import { createCapturingLogger } from '../../test/support/capturing-logger.js';

let api: FakeKubeApi;
let reflector: Reflector<string> | null = null;

beforeEach(async () => {
  api = await startFakeKubeApi({ unidentifiedCallers: 'full-access' });
});

afterEach(async () => {
  await reflector?.stop();
  reflector = null;
  await api.stop();
});

describe('reflector on client-node 2.x', () => {
  it('a stream the library ends for silence resumes from the last version, with no error counted or logged', async () => {
    api.setNode(makeNode({ name: 'n1' }));
    const kubeConfig = api.kubeConfig();
    const watch = new Watch(kubeConfig);
    // The library ends a watch that heard nothing for 30 s (a fixed, private setting); shortened here
    // so that a quiet cluster's normal silence happens within the test.
    Object.assign(watch, { requestTimeoutMs: 300 });
    const core = makeKubeClient(kubeConfig, CoreV1Api);
    const registry = new Registry();
    const logger = createCapturingLogger();
    reflector = new Reflector<string>({
      resource: 'nodes',
      path: '/api/v1/nodes',
      list: async () => {
        const list = await core.listNode();
        return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? '' };
      },
      watch,
      convert: (raw) => (raw as { metadata?: { name?: string } }).metadata?.name ?? null,
      onEvent: () => undefined,
      logger,
      clock: systemClock,
      metrics: createKubeMetrics(registry),
      backoff: { initialMs: 20, maxMs: 200 },
    });
    await reflector.start();
    const watches = (): number => api.requests().filter((r) => r.path === '/api/v1/nodes' && r.query['watch'] === 'true').length;
    await waitFor(() => watches() >= 3, 5000, 'the quiet watch ended twice and was re-opened');
    api.setNode(makeNode({ name: 'n2' }));
    await waitFor(() => reflector?.values().includes('n2') === true, 5000, 'a change after the silences is seen');
    const lists = api.requests().filter((r) => r.path === '/api/v1/nodes' && r.query['watch'] === undefined).length;
    expect(lists).toBe(1);
    expect(logger.lines.filter((line) => line.startsWith('warn '))).toEqual([]);
    const errors = (await registry.getMetricsAsJSON())
      .find((m) => m.name === 'ipshift_kube_watch_restarts_total')
      ?.values.filter((v) => v.labels['reason'] === 'error');
    expect(errors ?? []).toEqual([]);
  });
});
