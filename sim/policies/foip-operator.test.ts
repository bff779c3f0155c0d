import { nodeFacts } from '../../test/support/node-facts.js';
import type { ConditionStatus } from '../../src/core/model.js';
import { FOIP_ISSUES, foipBetterNode, foipIssues } from './foip-operator.js';
import { controllerRuntimeBackoffMs } from './reconcile-queue.js';

const node = (name: string, conditions: Record<string, ConditionStatus> = {}, unschedulable = false) => nodeFacts(name, { conditions, unschedulable });

describe('foip-operator issues (NiklasBeierl/foip-operator internal/controller/node_scoring.go)', () => {
  it('reads the seven issues in severity order; a missing Ready counts as healthy', () => {
    expect(FOIP_ISSUES).toHaveLength(7);
    expect(foipIssues(node('a', { NetworkUnavailable: 'True', Ready: 'False', PIDPressure: 'True' }))).toEqual([true, true, false, false, true, false, false]);
    expect(foipIssues(node('a', { Ready: 'Unknown', MemoryPressure: 'True', DiskPressure: 'True' }, true))).toEqual([
      false,
      false,
      true,
      true,
      false,
      true,
      true,
    ]);
    expect(foipIssues(nodeFacts('a', { noReady: true }))).toEqual([false, false, false, false, false, false, false]);
  });
});

describe('foipBetterNode (betterNode: strictly healthier, then name)', () => {
  const healthy = (name: string) => node(name);
  it.each<[string, ReturnType<typeof node>[], string | null, string | null]>([
    ['no candidates: no change', [], 'a', null],
    ['no current: the best, ties by name ascending', [healthy('c'), healthy('b')], null, 'b'],
    ['equal health never switches', [healthy('a'), healthy('b')], 'b', null],
    ['a Ready=Unknown holder moves to the first healthy name', [node('a', { Ready: 'Unknown' }), healthy('c'), healthy('b')], 'a', 'b'],
    ['memory pressure on the holder: moves at once (no grace)', [node('a', { MemoryPressure: 'True' }), healthy('b')], 'a', 'b'],
    ['Ready=Unknown is less severe than Ready=False', [node('a', { Ready: 'False' }), node('b', { Ready: 'Unknown' })], 'a', 'b'],
    ['Ready=False outranks disk pressure', [node('a', { DiskPressure: 'True' }), node('b', { Ready: 'False' })], 'b', 'a'],
    ['NetworkUnavailable is the most severe', [node('a', { NetworkUnavailable: 'True' }), node('b', { Ready: 'False' }, true)], 'a', 'b'],
    ['all broken: still the least bad one', [node('a', { Ready: 'False' }), node('b', { Ready: 'Unknown' })], null, 'b'],
    ['a current that is gone: the best', [healthy('b')], 'gone', 'b'],
    ['unschedulable outranks the pressures', [node('a', {}, true), node('b', { PIDPressure: 'True', MemoryPressure: 'True', DiskPressure: 'True' })], 'a', 'b'],
    ['a healthier but different-issue node is a switch too', [node('a', { DiskPressure: 'True' }), node('b', { MemoryPressure: 'True' })], 'b', 'a'],
  ])('%s', (_title, candidates, current, expected) => {
    expect(foipBetterNode(candidates, current)).toBe(expected);
  });
});

describe('controller-runtime per-item backoff', () => {
  it('doubles from 5 ms and stops at 1000 s', () => {
    expect([0, 1, 2, 3, 10].map(controllerRuntimeBackoffMs)).toEqual([5, 10, 20, 40, 5120]);
    expect(controllerRuntimeBackoffMs(17)).toBe(655_360);
    expect(controllerRuntimeBackoffMs(18)).toBe(1_000_000);
    expect(controllerRuntimeBackoffMs(40)).toBe(1_000_000);
  });
});
