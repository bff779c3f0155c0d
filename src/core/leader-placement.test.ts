import { nodeFacts } from '../../test/support/node-facts.js';
import { leaderPlacement, type PlacementInput } from './leader-placement.js';

const nodes = [nodeFacts('a'), nodeFacts('b'), nodeFacts('c', { conditions: { Ready: 'Unknown' } })];
const base: PlacementInput = { self: 'a', leader: true, holders: new Set(['a']), replicaNodes: new Set(['a', 'b']), nodes, moving: false };

describe('leaderPlacement', () => {
  it('a leader on the holder hands over to a Ready replica on a node that holds nothing', () => {
    expect(leaderPlacement(base)).toEqual({ handOver: true, candidates: ['b'] });
  });

  it.each<[string, Partial<PlacementInput>]>([
    ['not the leader', { leader: false }],
    ['the leader holds nothing', { holders: new Set(['b']) }],
    ['its own node unknown', { self: null }],
    ['a move in flight', { moving: true }],
    ['the only other replica is on a holder too', { holders: new Set(['a', 'b']) }],
    ['the only other replica is on a node that is not Ready', { replicaNodes: new Set(['a', 'c']) }],
    ['no other Ready replica', { replicaNodes: new Set(['a']) }],
  ])('keeps leading when %s', (_what, patch) => {
    expect(leaderPlacement({ ...base, ...patch })).toEqual({ handOver: false });
  });
});
