import { ServerNodeSets } from './server-node-sets.js';

const servers = (...nodes: string[]): Map<string, string> => new Map(nodes.map((node, i) => [node, String(100 + i)]));

describe('ServerNodeSets', () => {
  it('hands every FailoverIP of an account, pass after pass, the same set while the nodes stay', () => {
    const sets = new ServerNodeSets();
    sets.newPass();
    const first = sets.of('netcup/ns/secret', servers('a', 'b'));
    expect(sets.of('netcup/ns/secret', servers('a', 'b'))).toBe(first);
    sets.newPass();
    // A new map from the directory with the same nodes: still the same set (the pass then reuses its candidates).
    expect(sets.of('netcup/ns/secret', servers('a', 'b'))).toBe(first);
    expect([...first]).toEqual(['a', 'b']);
  });

  it('a changed node list gives a new set; another account has its own', () => {
    const sets = new ServerNodeSets();
    sets.newPass();
    const first = sets.of('netcup/ns/secret', servers('a', 'b'));
    const other = sets.of('hetzner-cloud/ns/token', servers('a'));
    expect(other).not.toBe(first);
    expect([...other]).toEqual(['a']);
    sets.newPass();
    const changed = sets.of('netcup/ns/secret', servers('a', 'c'));
    expect(changed).not.toBe(first);
    expect([...changed]).toEqual(['a', 'c']);
    expect(sets.of(null, new Map())).toEqual(new Set());
  });
});
