import { nodeFacts } from '../../test/support/node-facts.js';
import { holderLabelChanges, holderLabelKey } from './holder-label.js';

const KEY = 'ipshift.dev/holds-web';

describe('holder label', () => {
  it('the key is a valid label key or none', () => {
    expect(holderLabelKey('web')).toBe(KEY);
    expect(holderLabelKey('a'.repeat(57))).toBe(`ipshift.dev/holds-${'a'.repeat(57)}`);
    expect(holderLabelKey('a'.repeat(58))).toBeNull();
    expect(holderLabelKey('web.example')).toBe('ipshift.dev/holds-web.example');
  });

  it('adds it to the holders, removes it elsewhere and where no FailoverIP asks for it, leaves other labels alone', () => {
    const nodes = [
      nodeFacts('a'),
      nodeFacts('b', { labels: { [KEY]: 'true', 'ipshift.dev/edge': 'true' } }),
      nodeFacts('c', { labels: { 'ipshift.dev/holds-gone': 'true' } }),
      nodeFacts('d', { labels: { [KEY]: 'yes' } }),
    ];
    expect(holderLabelChanges(nodes, [{ key: KEY, holders: new Set(['a', 'd', 'not-a-node']) }])).toEqual(
      expect.arrayContaining([
        { node: 'a', key: KEY, value: 'true' },
        { node: 'b', key: KEY, value: null },
        { node: 'c', key: 'ipshift.dev/holds-gone', value: null },
        { node: 'd', key: KEY, value: 'true' },
      ]),
    );
    expect(holderLabelChanges(nodes, [{ key: KEY, holders: new Set(['a', 'd']) }])).toHaveLength(4);
  });

  it('leaves the labels of a FailoverIP whose routing is not known yet as they are', () => {
    const nodes = [nodeFacts('a'), nodeFacts('b', { labels: { [KEY]: 'true' } })];
    expect(holderLabelChanges(nodes, [{ key: KEY, holders: null }])).toEqual([]);
    // Two FailoverIPs of one name (two namespaces): the union, and unknown wins.
    expect(
      holderLabelChanges(nodes, [
        { key: KEY, holders: new Set(['a']) },
        { key: KEY, holders: null },
      ]),
    ).toEqual([]);
    expect(
      holderLabelChanges(nodes, [
        { key: KEY, holders: new Set(['a']) },
        { key: KEY, holders: new Set(['b']) },
      ]),
    ).toEqual([{ node: 'a', key: KEY, value: 'true' }]);
  });
});
