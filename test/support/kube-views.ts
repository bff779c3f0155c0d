import { Registry } from 'prom-client';
import { createKubeClusterView, type KubeClusterView, type KubeClusterViewOptions } from '../../src/kube/kube-cluster-view.js';
import { createKubeMetrics } from '../../src/metrics/kube-metrics.js';
import { systemClock } from '../../src/ports/clock.js';
import type { ClusterChange } from '../../src/ports/cluster.js';
import { silentLogger } from '../../src/ports/logger.js';
import { startFakeKubeApi, type FakeKubeApi, type FakeKubeApiOptions } from '../fake-kube-api/index.js';

export interface StartedView {
  readonly view: KubeClusterView;
  /** Every change the view reported, in order. */
  readonly changes: ClusterChange[];
  readonly registry: Registry;
}

export interface KubeViews {
  readonly api: FakeKubeApi;
  /** A cluster view on the fake API server (as `identity`, or a caller without a ServiceAccount), re-listing quickly; stopped after the test. */
  startView(extra?: Partial<KubeClusterViewOptions>, identity?: string): StartedView;
}

/**
 * Per test: a fake API server (by default one that lets callers without a ServiceAccount do
 * anything: for tests of the adapter itself), and every view the test starts stopped after it.
 */
export function useKubeViews(options: FakeKubeApiOptions = { unidentifiedCallers: 'full-access' }): KubeViews {
  let api: FakeKubeApi | undefined;
  const views: KubeClusterView[] = [];
  beforeEach(async () => {
    api = await startFakeKubeApi(options);
  });
  afterEach(async () => {
    await Promise.all(views.splice(0).map((v) => v.stop()));
    await api?.stop();
    api = undefined;
  });
  const started = (): FakeKubeApi => {
    if (api === undefined) throw new Error('useKubeViews: used outside a test');
    return api;
  };
  return {
    get api() {
      return started();
    },
    startView(extra = {}, identity) {
      const registry = new Registry();
      const view = createKubeClusterView({
        kubeConfig: started().kubeConfig(identity),
        logger: silentLogger,
        clock: systemClock,
        metrics: createKubeMetrics(registry),
        backoff: { initialMs: 20, maxMs: 200 },
        ...extra,
      });
      views.push(view);
      const changes: ClusterChange[] = [];
      view.onChange((c) => changes.push(c));
      return { view, changes, registry };
    },
  };
}
