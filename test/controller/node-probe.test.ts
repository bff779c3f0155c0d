import type { ProbeAnswer } from '../../src/core/reachability.js';
import { ADDRESS, ControllerHarness, harnessNode, waitFor } from '../support/controller-harness.js';

/**
 * ipshift's own node probe through the composition root: the probe answers from a table (the
 * TCP side is tested against real kernels in test/reachability), everything else is real.
 */
describe('node probe in the controller', () => {
  let h: ControllerHarness;
  afterEach(async () => h.stop());

  const INTERNAL: Record<string, string> = { 'node-1': '10.0.0.1', 'node-2': '10.0.0.2', 'node-3': '10.0.0.3' };

  const OWNER: Record<string, string> = { '10.0.0.1': 'node-1', '10.0.0.2': 'node-2', '10.0.0.3': 'node-3' };
  type Answer = 'answered' | 'silent';

  async function start(answers: Record<string, Answer>, env: Record<string, string> = {}) {
    h = await ControllerHarness.start();
    for (const [name, address] of Object.entries(INTERNAL)) h.cluster.setNode(harnessNode(name, { addresses: [address] }));
    const probed: string[] = [];
    const replica = await h.addReplica(true, {
      env: { IPSHIFT_NODE_PROBE_INTERVAL_MS: '200', IPSHIFT_NODE_PROBE_FAILURES: '3', ...env },
      probe: async (address, port) => {
        probed.push(address);
        expect(port).toBe(9102);
        // A live node's agent answers with its identity; the failover address is node-1's.
        // The failover address answers from wherever the emulator routes it.
        const owner = address === ADDRESS ? (h.holderAtProvider() ?? '?') : (OWNER[address] ?? '?');
        return (answers[address] ?? 'answered') === 'silent' ? { kind: 'silent' } : ({ kind: 'identified', node: owner, bootId: 'b' } satisfies ProbeAnswer);
      },
    });
    await replica.app.loop.idle();
    return { ...replica, probed };
  }

  it('a holder silent on its InternalIP and its failover address moves at once, with the issue in state and metrics', async () => {
    const answers: Record<string, Answer> = {};
    const { url, probed } = await start(answers);
    await waitFor(() => probed.includes(ADDRESS) && probed.includes('10.0.0.1'), 3000, 'the holder and its failover address probed');
    expect(h.holderAtProvider()).toBe('node-1');
    answers['10.0.0.1'] = 'silent';
    answers[ADDRESS] = 'silent';
    await waitFor(() => h.holderAtProvider() !== 'node-1', 5000, 'a move away from node-1');
    await waitFor(() => h.fip().status.assignedNode !== 'node-1' && h.fip().status.assignedNode !== undefined, 3000, 'the move recorded');
    expect(h.acceptedMoves()).toBe(1);
    // node-1 stays probed (and unresponsive) while it is silent, so it is not a target meanwhile.
    const state = (await (await fetch(`${url}/api/v1/state`)).json()) as { nodes: Array<{ name: string; issues: string[] }> };
    expect(state.nodes.find((n) => n.name === 'node-1')?.issues).toContain('unresponsive');
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/ipshift_moves_total\{failover_ip="default\/web",reason="holder-down",result="success"\} 1/);
    expect(metrics).toMatch(/ipshift_node_health_issue\{node="node-1",issue="unresponsive"\} 1/);
    expect(metrics).toMatch(/ipshift_node_probes_total\{path="failover-ip",result="silent"\} [1-9]/);
  });

  it('a holder whose failover address still answers keeps the IP however long its InternalIP is silent', async () => {
    const { app, probed } = await start({ '10.0.0.1': 'silent' });
    await waitFor(() => probed.filter((p) => p === '10.0.0.1').length >= 8, 5000, 'eight rounds');
    await app.loop.idle();
    expect(h.acceptedMoves()).toBe(0);
    expect(h.holderAtProvider()).toBe('node-1');
  });

  it('IPSHIFT_NODE_PROBE_PORT=0 turns the probe off', async () => {
    const { app, probed } = await start({}, { IPSHIFT_NODE_PROBE_PORT: '0' });
    expect(app.prober).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(probed).toEqual([]);
  });
});
