import { nodeFacts } from '../../test/support/node-facts.js';
import { formatIdentityLine, parseIdentityLine } from './probe-identity.js';
import {
  attributeAnswer,
  combineProbes,
  foldRound,
  gateSilence,
  probeTargets,
  type ProbeAnswer,
  type ProbeResult,
  type ReachabilityState,
} from './reachability.js';

const round = (entries: Record<string, ProbeResult>): Map<string, ProbeResult> => new Map(Object.entries(entries));

/** Runs rounds in order and returns the unresponsive set after each. */
function run(rounds: Array<Record<string, ProbeResult>>, failures = 3): string[][] {
  let state: ReachabilityState = new Map();
  return rounds.map((r) => {
    const outcome = foldRound(state, round(r), failures);
    state = outcome.state;
    return [...outcome.unresponsive].sort();
  });
}

describe('foldRound', () => {
  it.each<[string, Array<Record<string, ProbeResult>>, string[][]]>([
    [
      'a holder silent three rounds while a witness answers is unresponsive at the third',
      [
        { h: 'answered', w: 'answered' },
        { h: 'silent', w: 'answered' },
        { h: 'silent', w: 'answered' },
        { h: 'silent', w: 'answered' },
      ],
      [[], [], [], ['h']],
    ],
    [
      'one answer resets the count',
      [
        { h: 'answered', w: 'answered' },
        { h: 'silent', w: 'answered' },
        { h: 'silent', w: 'answered' },
        { h: 'answered', w: 'answered' },
        { h: 'silent', w: 'answered' },
      ],
      [[], [], [], [], []],
    ],
    [
      'rounds in which nobody answered judge nobody (our own network is the suspect)',
      [
        { h: 'answered', w: 'answered' },
        { h: 'silent', w: 'silent' },
        { h: 'silent', w: 'silent' },
        { h: 'silent', w: 'silent' },
        { h: 'silent', w: 'silent' },
      ],
      [[], [], [], [], []],
    ],
    [
      'uncounted rounds neither add nor reset: two silent, a blackout, one more silent flags',
      [
        { h: 'answered', w: 'answered' },
        { h: 'silent', w: 'answered' },
        { h: 'silent', w: 'answered' },
        { h: 'silent', w: 'silent' },
        { h: 'silent', w: 'answered' },
      ],
      [[], [], [], [], ['h']],
    ],
    [
      'inconclusive probes (we could not send) leave the count alone',
      [
        { h: 'answered', w: 'answered' },
        { h: 'silent', w: 'answered' },
        { h: 'inconclusive', w: 'answered' },
        { h: 'silent', w: 'answered' },
        { h: 'silent', w: 'answered' },
      ],
      [[], [], [], [], ['h']],
    ],
    [
      'a node that never answered is never judged (a firewall that drops the port)',
      [
        { h: 'silent', w: 'answered' },
        { h: 'silent', w: 'answered' },
        { h: 'silent', w: 'answered' },
        { h: 'silent', w: 'answered' },
      ],
      [[], [], [], []],
    ],
    [
      'a node alone has no witness and is never judged',
      [{ h: 'answered' }, { h: 'silent' }, { h: 'silent' }, { h: 'silent' }, { h: 'silent' }],
      [[], [], [], [], []],
    ],
    [
      'two holders witness each other',
      [
        { a: 'answered', b: 'answered' },
        { a: 'silent', b: 'answered' },
        { a: 'silent', b: 'answered' },
        { a: 'silent', b: 'answered' },
      ],
      [[], [], [], ['a']],
    ],
    [
      'an unresponsive node that answers again is cleared at once',
      [
        { h: 'answered', w: 'answered' },
        { h: 'silent', w: 'answered' },
        { h: 'silent', w: 'answered' },
        { h: 'silent', w: 'answered' },
        { h: 'answered', w: 'answered' },
      ],
      [[], [], [], ['h'], []],
    ],
    [
      'a node left out of a round is forgotten, its count with it',
      [{ h: 'answered', w: 'answered' }, { h: 'silent', w: 'answered' }, { h: 'silent', w: 'answered' }, { w: 'answered' }, { h: 'silent', w: 'answered' }],
      [[], [], [], [], []],
    ],
  ])('%s', (_name, rounds, expected) => {
    expect(run(rounds)).toEqual(expected);
  });

  it("never takes the prober's own node as a witness: it answers locally even when the network is gone", () => {
    let state: ReachabilityState = new Map();
    const flagged: string[][] = [];
    for (const r of [
      { h: 'answered', self: 'answered' },
      { h: 'silent', self: 'answered' },
      { h: 'silent', self: 'answered' },
      { h: 'silent', self: 'answered' },
    ] as const) {
      const outcome = foldRound(state, round(r), 3, 'self');
      state = outcome.state;
      flagged.push([...outcome.unresponsive]);
    }
    expect(flagged).toEqual([[], [], [], []]);
    expect(foldRound(new Map(), round({ h: 'silent', self: 'answered', w: 'answered' }), 3, 'self').counted).toBe(true);
  });

  it('honours the configured number of failures', () => {
    expect(
      run(
        [
          { h: 'answered', w: 'answered' },
          { h: 'silent', w: 'answered' },
        ],
        1,
      ),
    ).toEqual([[], ['h']]);
  });

  it('reports whether the round counted', () => {
    expect(foldRound(new Map(), round({ h: 'silent', w: 'silent' }), 3).counted).toBe(false);
    expect(foldRound(new Map(), round({ h: 'silent', w: 'answered' }), 3).counted).toBe(true);
  });
});

describe('probeTargets', () => {
  const nodes = [
    nodeFacts('n5', { addresses: ['10.0.0.5'] }),
    nodeFacts('n4', { addresses: ['10.0.0.4'] }),
    nodeFacts('n3', { addresses: ['10.0.0.3'], conditions: { Ready: 'Unknown' } }),
    nodeFacts('n2', { addresses: ['10.0.0.2'] }),
    nodeFacts('n1', { addresses: ['10.0.0.1'] }),
    nodeFacts('n0'),
  ];
  const names = (list: ReturnType<typeof probeTargets>): string[] => list.map((n) => n.name);

  it('probes holders and flagged nodes, then Ready witnesses in name order', () => {
    expect(names(probeTargets(nodes, new Set(['n4']), new Set(['n3']), 2))).toEqual(['n4', 'n3', 'n1', 'n2']);
  });

  it('skips nodes without an address and never picks a not-Ready witness', () => {
    expect(names(probeTargets(nodes, new Set(['n0']), new Set(), 10))).toEqual(['n1', 'n2', 'n4', 'n5']);
  });

  it('probes nothing when there is nothing to hold', () => {
    expect(names(probeTargets([], new Set(['x']), new Set(), 3))).toEqual([]);
  });
});

describe('combineProbes', () => {
  it.each<[ProbeResult[], ProbeResult]>([
    [['answered'], 'answered'],
    [['silent', 'answered'], 'answered'],
    [['answered', 'silent'], 'answered'],
    [['silent', 'silent'], 'silent'],
    [['silent', 'inconclusive'], 'silent'],
    [['inconclusive', 'inconclusive'], 'inconclusive'],
    [[], 'inconclusive'],
  ])('%j is %s', (results, expected) => {
    expect(combineProbes(results)).toBe(expected);
  });
});

describe('gateSilence', () => {
  it('turns silence from an address that never answered into inconclusive, and remembers who answered', () => {
    const first = gateSilence(new Set(), round({ '10.0.0.1': 'answered', '198.51.100.10': 'silent' }));
    expect(first.results).toEqual(round({ '10.0.0.1': 'answered', '198.51.100.10': 'inconclusive' }));
    expect([...first.heard]).toEqual(['10.0.0.1']);
    const second = gateSilence(first.heard, round({ '10.0.0.1': 'silent', '198.51.100.10': 'silent' }));
    expect(second.results).toEqual(round({ '10.0.0.1': 'silent', '198.51.100.10': 'inconclusive' }));
    expect([...second.heard]).toEqual(['10.0.0.1']);
  });

  it('forgets addresses no longer probed', () => {
    const { heard } = gateSilence(new Set(['10.0.0.1', '10.0.0.2']), round({ '10.0.0.2': 'silent' }));
    expect([...heard]).toEqual(['10.0.0.2']);
  });
});

describe('attributeAnswer', () => {
  it.each<[string, ProbeAnswer, boolean, ProbeResult]>([
    ["the node's own identity", { kind: 'identified', node: 'h', bootId: 'b' }, true, 'answered'],
    ["another node's identity (the prober's own node answering locally)", { kind: 'identified', node: 'me', bootId: 'b' }, false, 'inconclusive'],
    ['a reset where a local answer is impossible', { kind: 'unidentified' }, false, 'answered'],
    ['a reset on an address that may be local', { kind: 'unidentified' }, true, 'inconclusive'],
    ['silence', { kind: 'silent' }, true, 'silent'],
    ['a probe that could not be sent', { kind: 'inconclusive' }, false, 'inconclusive'],
  ])('%s', (_what, answer, mayBeLocal, expected) => {
    expect(attributeAnswer(answer, 'h', mayBeLocal)).toBe(expected);
  });
});

describe('the identity line', () => {
  it('round-trips and refuses anything else', () => {
    const line = formatIdentityLine({ node: 'worker-1.example.net', bootId: '1b2c3d4e-aaaa-4bbb-8ccc-123456789abc' });
    expect(parseIdentityLine(line)).toEqual({ node: 'worker-1.example.net', bootId: '1b2c3d4e-aaaa-4bbb-8ccc-123456789abc' });
    for (const other of [
      '',
      'SSH-2.0-OpenSSH_9.6',
      'ipshift-agent/1 node=UPPER boot=1',
      'ipshift-agent/2 node=a boot=1',
      `ipshift-agent/1 node=a boot=1 extra`,
    ])
      expect(parseIdentityLine(other)).toBeNull();
  });
});
