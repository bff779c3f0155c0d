import { Registry } from 'prom-client';
import { nodeFacts } from '../../test/support/node-facts.js';
import type { ProbeResult } from '../core/reachability.js';
import { createReachabilityMetrics } from '../metrics/reachability-metrics.js';
import { silentLogger } from '../ports/logger.js';
import { NodeProber } from './node-prober.js';

describe('NodeProber', () => {
  const nodes = [nodeFacts('holder', { addresses: ['10.0.0.1', '203.0.113.1'] }), nodeFacts('other', { addresses: ['10.0.0.2'] })];

  function setup(answers: Record<string, ProbeResult>) {
    const registry = new Registry();
    const probed: string[] = [];
    const changes: string[] = [];
    const prober = new NodeProber({
      probe: async (address, port, timeoutMs) => {
        probed.push(`${address}:${port}/${timeoutMs}`);
        return answers[address] ?? 'inconclusive';
      },
      port: 10250,
      intervalMs: 1000,
      failures: 2,
      nodes: () => nodes,
      holders: () => new Map([['holder', ['198.51.100.10']]]),
      onChange: (reason) => changes.push(reason),
      metrics: createReachabilityMetrics(registry),
      logger: silentLogger,
    });
    return { prober, probed, changes, registry };
  }

  it("probes each target's first address, flags a silent holder after the configured rounds and asks for a pass", async () => {
    const answers: Record<string, ProbeResult> = { '10.0.0.1': 'answered', '10.0.0.2': 'answered', '198.51.100.10': 'answered' };
    const { prober, probed, changes, registry } = setup(answers);
    await prober.roundOnce();
    // Two connects per address and round.
    expect(probed.sort()).toEqual([
      '10.0.0.1:10250/900',
      '10.0.0.1:10250/900',
      '10.0.0.2:10250/900',
      '10.0.0.2:10250/900',
      '198.51.100.10:10250/900',
      '198.51.100.10:10250/900',
    ]);
    answers['10.0.0.1'] = 'silent';
    // The private path alone failing is not enough: the failover address still answers.
    for (let i = 0; i < 4; i++) await prober.roundOnce();
    expect(prober.unresponsive().size).toBe(0);
    answers['198.51.100.10'] = 'silent';
    await prober.roundOnce();
    expect(prober.unresponsive().size).toBe(0);
    expect(changes).toEqual([]);
    await prober.roundOnce();
    expect([...prober.unresponsive()]).toEqual(['holder']);
    expect(changes).toEqual(['probe']);
    await prober.roundOnce();
    expect(changes).toEqual(['probe']);
    answers['198.51.100.10'] = 'answered';
    await prober.roundOnce();
    expect(prober.unresponsive().size).toBe(0);
    expect(changes).toEqual(['probe', 'probe']);
    const text = await registry.metrics();
    expect(text).toContain('ipshift_node_probes_total{path="internal",result="silent"} 8');
    expect(text).toContain('ipshift_node_probes_total{path="internal",result="answered"} 10');
    expect(text).toContain('ipshift_node_probes_total{path="failover-ip",result="answered"} 6');
    expect(text).toContain('ipshift_node_probes_total{path="failover-ip",result="silent"} 3');
    expect(text).toContain('ipshift_node_probe_rounds_total{counted="true"} 9');
  });

  it('a failover address that never answered (a firewall drops it) neither shields nor blames the holder', async () => {
    const answers: Record<string, ProbeResult> = { '10.0.0.1': 'answered', '10.0.0.2': 'answered', '198.51.100.10': 'silent' };
    const { prober } = setup(answers);
    for (let i = 0; i < 4; i++) await prober.roundOnce();
    expect(prober.unresponsive().size).toBe(0);
    answers['10.0.0.1'] = 'silent';
    await prober.roundOnce();
    await prober.roundOnce();
    expect([...prober.unresponsive()]).toEqual(['holder']);
  });

  it('one lost connect of the two in a round is no silence', async () => {
    const registry = new Registry();
    let call = 0;
    const prober = new NodeProber({
      // Every other connect to the holder gets no answer: a lossy path, not a dead node.
      probe: async (address) => (address === '10.0.0.1' && call++ % 2 === 0 ? 'silent' : 'answered'),
      port: 10250,
      intervalMs: 1000,
      failures: 1,
      nodes: () => nodes,
      holders: () => new Map([['holder', []]]),
      onChange: () => undefined,
      metrics: createReachabilityMetrics(registry),
      logger: silentLogger,
    });
    for (let i = 0; i < 5; i++) await prober.roundOnce();
    expect(prober.unresponsive().size).toBe(0);
    expect(await registry.metrics()).toContain('ipshift_node_probes_total{path="internal",result="silent"} 0');
  });

  it('a round with nothing to probe counts nowhere', async () => {
    const registry = new Registry();
    const prober = new NodeProber({
      probe: async () => 'answered',
      port: 10250,
      intervalMs: 1000,
      failures: 2,
      nodes: () => [nodeFacts('no-address')],
      holders: () => new Map([['no-address', []]]),
      onChange: () => undefined,
      metrics: createReachabilityMetrics(registry),
      logger: silentLogger,
    });
    await prober.roundOnce();
    const text = await registry.metrics();
    expect(text).toContain('ipshift_node_probe_rounds_total{counted="true"} 0');
    expect(text).toContain('ipshift_node_probe_rounds_total{counted="false"} 0');
  });

  it('a probe that throws counts as inconclusive', async () => {
    const { prober, registry } = setup({});
    await prober.roundOnce();
    expect(await registry.metrics()).toContain('ipshift_node_probe_rounds_total{counted="false"} 1');
  });

  it('start runs rounds on its own and stop ends them', async () => {
    const { prober, probed } = setup({ '10.0.0.1': 'answered', '10.0.0.2': 'answered', '198.51.100.10': 'answered' });
    prober.start();
    await prober.stop();
    const after = probed.length;
    expect(after).toBeGreaterThanOrEqual(2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(probed.length).toBe(after);
  });
});
