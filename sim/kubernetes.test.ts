import { Engine } from './engine.js';
import { healthyTruth, KubeView, type NodeTruth } from './kubernetes.js';
import { defaultTimings } from './timings.js';

/** A one-node cluster whose kubelet ticks at phase 0 (the random draw picks phase 0). */
function cluster() {
  const engine = new Engine();
  const truth: NodeTruth = healthyTruth();
  const changes: Array<[number, string]> = [];
  const view: { kube?: KubeView } = {};
  const describe = (): string => {
    const n = view.kube?.snapshot()[0];
    const taint = n?.taints.length ? '+unreachable' : '';
    return `Ready=${n?.conditions['Ready']} Mem=${n?.conditions['MemoryPressure']}${taint}`;
  };
  view.kube = new KubeView(
    engine,
    defaultTimings(),
    ['n'],
    () => truth,
    () => 0,
    () => changes.push([engine.now, describe()]),
  );
  const set = (at: number, patch: Partial<NodeTruth>): void =>
    engine.at(at, () => {
      Object.assign(truth, patch);
      view.kube?.onTruth('n');
    });
  return { engine, set, changes };
}

describe('KubeView (kubelet lease + node lifecycle controller)', () => {
  it('marks a dead node Unknown at the first monitor pass after lease + 50 s (Kubernetes ≥ 1.32), tainted one pass later, Ready again at the next kubelet tick', () => {
    const c = cluster();
    c.set(103_000, { powered: false }); // last renewal at 100 s
    c.set(600_000, { powered: true }); // kubelet ticks at 600 s
    c.engine.run(1_000_000);
    expect(c.changes).toEqual([
      [155_000, 'Ready=Unknown Mem=Unknown'],
      [160_000, 'Ready=Unknown Mem=Unknown+unreachable'],
      [600_000, 'Ready=True Mem=False+unreachable'],
      [605_000, 'Ready=True Mem=False'],
    ]);
  });

  it('a lease gap shorter than the grace period changes nothing', () => {
    const c = cluster();
    c.set(103_000, { leaseOk: false });
    c.set(125_000, { leaseOk: true });
    c.engine.run(1_000_000);
    expect(c.changes).toEqual([]);
  });

  it('reports pressure at the next kubelet tick and keeps it for the 5-minute transition period', () => {
    const c = cluster();
    c.set(101_000, { memoryPressure: true });
    c.set(200_000, { memoryPressure: false });
    c.engine.run(1_000_000);
    expect(c.changes).toEqual([
      [110_000, 'Ready=True Mem=True'],
      [500_000, 'Ready=True Mem=False'],
    ]);
  });
});
