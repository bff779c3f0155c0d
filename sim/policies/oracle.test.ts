import { healthyTruth, type NodeTruth } from '../kubernetes.js';
import { oracleTarget } from './oracle.js';

describe('oracleTarget', () => {
  const world =
    (patches: Record<string, Partial<NodeTruth>>) =>
    (node: string): NodeTruth => ({ ...healthyTruth(), ...patches[node] });
  const names = ['a', 'b', 'c'];
  it.each<[string, Record<string, Partial<NodeTruth>>, string | null]>([
    ['all fine: the first name', {}, 'a'],
    ['skips nodes that do not serve', { a: { powered: false }, b: { uplink: false } }, 'c'],
    ['prefers a calm node over one under pressure or flapping', { a: { memoryPressure: true }, b: { exporterOk: false } }, 'c'],
    ['takes a serving node under pressure when nothing calmer serves', { a: { powered: false }, b: { diskPressure: true }, c: { uplink: false } }, 'b'],
    ['nothing serves: null', { a: { powered: false }, b: { powered: false }, c: { uplink: false } }, null],
  ])('%s', (_title, patches, expected) => {
    expect(oracleTarget(names, world(patches))).toBe(expected);
  });
});
