import { Registry } from 'prom-client';
import { createCapturingLogger } from '../../test/support/capturing-logger.js';
import { nodeFacts } from '../../test/support/node-facts.js';
import type { ProbeAnswer } from '../core/reachability.js';
import { createReachabilityMetrics } from '../metrics/reachability-metrics.js';
import { silentLogger } from '../ports/logger.js';
import { NodeProber, type NodeProberOptions } from './node-prober.js';

const id = (node: string, bootId = 'b1'): ProbeAnswer => ({ kind: 'identified', node, bootId });
const SILENT: ProbeAnswer = { kind: 'silent' };
const RESET: ProbeAnswer = { kind: 'unidentified' };
const FAILOVER = '198.51.100.10';

describe('NodeProber', () => {
  const nodes = [
    nodeFacts('holder', { addresses: ['10.0.0.1', '203.0.113.1'] }),
    nodeFacts('other', { addresses: ['10.0.0.2'] }),
    nodeFacts('third', { addresses: ['10.0.0.3'] }),
  ];

  function setup(answers: Record<string, ProbeAnswer>, options: Partial<NodeProberOptions> = {}) {
    const registry = new Registry();
    const probed: string[] = [];
    const changes: string[] = [];
    const prober = new NodeProber({
      probe: async (address, port, timeoutMs) => {
        probed.push(`${address}:${port}/${timeoutMs}`);
        return answers[address] ?? { kind: 'inconclusive' };
      },
      port: 9102,
      intervalMs: 1000,
      failures: 2,
      nodes: () => nodes,
      holders: () => new Map([['holder', [FAILOVER]]]),
      onChange: (reason) => changes.push(reason),
      metrics: createReachabilityMetrics(registry),
      logger: silentLogger,
      ...options,
    });
    return { prober, probed, changes, registry };
  }

  /** The holder's own Node addresses stop answering (its failover address as it was). */
  const silenceHolderAddresses = (answers: Record<string, ProbeAnswer>): void => {
    answers['10.0.0.1'] = SILENT;
    answers['203.0.113.1'] = SILENT;
  };

  const healthy = (): Record<string, ProbeAnswer> => ({
    '10.0.0.1': id('holder'),
    '203.0.113.1': id('holder'),
    '10.0.0.2': id('other'),
    '10.0.0.3': id('third'),
    [FAILOVER]: id('holder'),
  });

  it('probes every Node address and the failover address, and flags a holder only when all of them are silent', async () => {
    const answers = healthy();
    const { prober, probed, changes, registry } = setup(answers);
    await prober.roundOnce();
    // Two connects per address and round.
    expect(probed.filter((p) => p.startsWith('10.0.0.1:')).length).toBe(2);
    expect([...new Set(probed)].sort()).toEqual([
      '10.0.0.1:9102/900',
      '10.0.0.2:9102/900',
      '10.0.0.3:9102/900',
      '198.51.100.10:9102/900',
      '203.0.113.1:9102/900',
    ]);
    answers['10.0.0.1'] = SILENT;
    answers[FAILOVER] = SILENT;
    // The private path and the failover address failing is not enough: the ExternalIP still answers.
    for (let i = 0; i < 4; i++) await prober.roundOnce();
    expect(prober.unresponsive().size).toBe(0);
    answers['203.0.113.1'] = SILENT;
    await prober.roundOnce();
    expect(prober.unresponsive().size).toBe(0);
    await prober.roundOnce();
    expect([...prober.unresponsive()]).toEqual(['holder']);
    expect(changes).toEqual(['probe']);
    answers['203.0.113.1'] = id('holder');
    await prober.roundOnce();
    expect(prober.unresponsive().size).toBe(0);
    expect(changes).toEqual(['probe', 'probe']);
    const text = await registry.metrics();
    expect(text).toContain('ipshift_node_probes_total{path="failover-ip",result="silent"} 7');
    expect(text).toContain('ipshift_node_probe_rounds_total{counted="true"} 8');
  });

  it('a prober on an eligible node, answered by its own node on the failover address, still sees the holder die (the all-eligible bug)', async () => {
    // In all-eligible mode the prober's node carries the failover address: it answers itself.
    const answers: Record<string, ProbeAnswer> = { ...healthy(), [FAILOVER]: id('other') };
    const { prober, registry } = setup(answers, { self: 'other' });
    await prober.roundOnce();
    silenceHolderAddresses(answers);
    await prober.roundOnce();
    await prober.roundOnce();
    expect([...prober.unresponsive()]).toEqual(['holder']);
    expect(await registry.metrics()).toContain('ipshift_node_probes_total{path="failover-ip",result="inconclusive"} 3');
  });

  it('a reset on a failover address never vouches for the holder (it may be the local kernel)', async () => {
    const answers: Record<string, ProbeAnswer> = { ...healthy(), [FAILOVER]: RESET };
    const { prober } = setup(answers, { self: 'third' });
    await prober.roundOnce();
    silenceHolderAddresses(answers);
    await prober.roundOnce();
    await prober.roundOnce();
    expect([...prober.unresponsive()]).toEqual(['holder']);
  });

  it('a node without the agent (resets only) is judged on its own addresses when the prober knows its node, and never when it does not', async () => {
    const resets = (): Record<string, ProbeAnswer> => ({ '10.0.0.1': RESET, '203.0.113.1': RESET, '10.0.0.2': RESET, '10.0.0.3': RESET, [FAILOVER]: RESET });
    const known = resets();
    const withSelf = setup(known, { self: 'third' });
    await withSelf.prober.roundOnce();
    silenceHolderAddresses(known);
    await withSelf.prober.roundOnce();
    await withSelf.prober.roundOnce();
    expect([...withSelf.prober.unresponsive()]).toEqual(['holder']);

    const unknown = resets();
    const withoutSelf = setup(unknown);
    await withoutSelf.prober.roundOnce();
    silenceHolderAddresses(unknown);
    for (let i = 0; i < 4; i++) await withoutSelf.prober.roundOnce();
    expect(withoutSelf.prober.unresponsive().size).toBe(0);
  });

  it("another node's identity on a node's address is no answer for it", async () => {
    const answers = healthy();
    const { prober } = setup(answers, { self: 'third' });
    await prober.roundOnce();
    // The address now belongs to another machine (a stale Node object, a reused address).
    answers['10.0.0.1'] = SILENT;
    answers['203.0.113.1'] = id('other');
    answers[FAILOVER] = id('other');
    await prober.roundOnce();
    await prober.roundOnce();
    expect([...prober.unresponsive()]).toEqual(['holder']);
  });

  it('a failover address that never answered (a firewall drops it) neither shields nor blames the holder', async () => {
    const answers: Record<string, ProbeAnswer> = { ...healthy(), [FAILOVER]: SILENT };
    const { prober } = setup(answers);
    for (let i = 0; i < 4; i++) await prober.roundOnce();
    expect(prober.unresponsive().size).toBe(0);
    silenceHolderAddresses(answers);
    await prober.roundOnce();
    await prober.roundOnce();
    expect([...prober.unresponsive()]).toEqual(['holder']);
  });

  it('one lost connect of the two in a round is no silence', async () => {
    let call = 0;
    const answers = healthy();
    const { prober, registry } = setup(answers, {
      failures: 1,
      // Every other connect to the holder gets no answer: a lossy path, not a dead node.
      probe: async (address) =>
        address.startsWith('10.0.0.1') || address === '203.0.113.1' ? (call++ % 2 === 0 ? SILENT : id('holder')) : (answers[address] as ProbeAnswer),
    });
    for (let i = 0; i < 5; i++) await prober.roundOnce();
    expect(prober.unresponsive().size).toBe(0);
    expect(await registry.metrics()).toContain('ipshift_node_probes_total{path="node-address",result="silent"} 0');
  });

  it('a new boot id is logged: the node restarted between two answers', async () => {
    const logger = createCapturingLogger();
    const answers = healthy();
    const { prober } = setup(answers, { logger });
    await prober.roundOnce();
    for (const address of ['10.0.0.1', '203.0.113.1', FAILOVER]) answers[address] = id('holder', 'b2');
    await prober.roundOnce();
    await prober.roundOnce();
    expect(logger.records.filter((r) => r.level === 'info').map((r) => r.message)).toEqual(['node rebooted since its last answer']);
  });

  it('a round with nothing to probe counts nowhere', async () => {
    const { prober, registry } = setup({}, { nodes: () => [nodeFacts('no-address')], holders: () => new Map([['no-address', []]]) });
    await prober.roundOnce();
    const text = await registry.metrics();
    expect(text).toContain('ipshift_node_probe_rounds_total{counted="true"} 0');
    expect(text).toContain('ipshift_node_probe_rounds_total{counted="false"} 0');
  });

  it('a probe that throws counts as inconclusive', async () => {
    const { prober, registry } = setup(
      {},
      {
        probe: async () => {
          throw new Error('boom');
        },
      },
    );
    await prober.roundOnce();
    expect(await registry.metrics()).toContain('ipshift_node_probe_rounds_total{counted="false"} 1');
  });

  it('start runs rounds on its own and stop ends them', async () => {
    const { prober, probed } = setup(healthy());
    prober.start();
    await prober.stop();
    const after = probed.length;
    expect(after).toBeGreaterThanOrEqual(2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(probed.length).toBe(after);
  });
});
