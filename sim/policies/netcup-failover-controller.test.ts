import { nodeFacts } from '../../test/support/node-facts.js';
import { fnv32a, netcupPick } from './netcup-failover-controller.js';

describe('fnv32a (Go hash/fnv New32a)', () => {
  it.each([
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
  ])('%p', (text, hash) => {
    expect(fnv32a(text)).toBe(hash);
  });
});

describe('netcupPick (digilolnet/netcup-failover-controller internal/controller/nodes.go: Ready only, stay while Ready, hash pick)', () => {
  const ready = (name: string) => nodeFacts(name);
  const notReady = (name: string) => nodeFacts(name, { conditions: { Ready: 'Unknown' } });
  const pressured = (name: string) => nodeFacts(name, { conditions: { MemoryPressure: 'True', DiskPressure: 'True' } });
  const five = ['node-1', 'node-2', 'node-3', 'node-4', 'node-5'];
  const hashIndex = (name: string, length: number): number => fnv32a(name) % length;

  it.each<[string, ReturnType<typeof nodeFacts>[], string | null, boolean, { target: string | null; stay: boolean }]>([
    ['a Ready, routed current stays, whatever its pressure', [pressured('node-1'), ready('node-2')], 'node-1', true, { target: 'node-1', stay: true }],
    ['a Ready current that is not routed yet keeps its target', [ready('node-1'), ready('node-2')], 'node-2', false, { target: 'node-2', stay: false }],
    ['no Ready node: nothing to do', [notReady('node-1'), notReady('node-2')], 'node-1', true, { target: null, stay: true }],
    ['no current and one Ready node', [notReady('node-1'), ready('node-2')], null, false, { target: 'node-2', stay: false }],
  ])('%s', (_title, nodes, current, routed, expected) => {
    expect(netcupPick(nodes, 'web', current, routed)).toEqual(expected);
  });

  it('a NotReady current: pool[fnv32a(name) % len] over the Ready nodes sorted by name', () => {
    const nodes = [notReady('node-1'), ...five.slice(1).reverse().map(ready)];
    const pool = ['node-2', 'node-3', 'node-4', 'node-5'];
    expect(netcupPick(nodes, 'web', 'node-1', true)).toEqual({ target: pool[hashIndex('web', 4)], stay: false });
    expect(netcupPick(nodes, 'other-ip', 'node-1', true)).toEqual({ target: pool[hashIndex('other-ip', 4)], stay: false });
  });

  it('nodes holding another group are left out unless no other node is Ready', () => {
    const nodes = five.map(ready);
    const held = new Set(['node-1', 'node-2', 'node-3']);
    expect(netcupPick(nodes, 'web', null, false, held)).toEqual({ target: ['node-4', 'node-5'][hashIndex('web', 2)], stay: false });
    expect(netcupPick(nodes, 'web', null, false, new Set(five))).toEqual({ target: five[hashIndex('web', 5)], stay: false });
  });
});
