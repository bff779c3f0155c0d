import type { ProbeAnswer } from '../../src/core/reachability.js';
import { firstChoiceWhenDown } from '../support/decision-fixtures.js';
import { ADDRESS, ControllerHarness, harnessNode, waitFor } from '../support/controller-harness.js';

/**
 * Checked moves through the composition root: the node probe answers from a table that follows
 * the emulator's routing (the TCP side against real kernels is test/reachability/topology.test.ts);
 * the decision, the move, the status, the Events and the metrics are the real ones.
 */
describe('checked moves in the controller', () => {
  let h: ControllerHarness;
  afterEach(async () => h.stop());

  const INTERNAL: Record<string, string> = { 'node-1': '10.0.0.1', 'node-2': '10.0.0.2', 'node-3': '10.0.0.3' };
  const OWNER: Record<string, string> = { '10.0.0.1': 'node-1', '10.0.0.2': 'node-2', '10.0.0.3': 'node-3' };

  /**
   * `agentDown`: nodes whose agent does not answer. `routeTakes` false: the failover address keeps
   * answering from node-1 whatever the provider says (a route that did not take).
   */
  async function start(world: { agentDown: Set<string>; routeTakes: boolean }) {
    h = await ControllerHarness.start();
    for (const [name, address] of Object.entries(INTERNAL)) h.cluster.setNode(harnessNode(name, { addresses: [address] }));
    const fip = h.fip();
    h.cluster.setFailoverIP({ ...fip, spec: { ...fip.spec, check: { confirmSeconds: 1 } } });
    const replica = await h.addReplica(true, {
      // The replica runs on a node outside the pool (it can see where the provider routes the address).
      env: { IPSHIFT_NODE_PROBE_INTERVAL_MS: '200', IPSHIFT_NODE_PROBE_FAILURES: '3', NODE_NAME: 'control-1' },
      probe: async (address) => {
        const owner = address === ADDRESS ? (world.routeTakes ? h.holderAtProvider() : 'node-1') : (OWNER[address] ?? null);
        if (owner === null || world.agentDown.has(owner)) return { kind: 'silent' };
        return { kind: 'identified', node: owner, bootId: 'b' } satisfies ProbeAnswer;
      },
    });
    await replica.app.loop.idle();
    return replica;
  }

  it('a target whose agent does not answer is passed over: the IP goes to the next candidate, with a TargetCheckFailed Event and metric', async () => {
    // node-1 goes down (its own agent stops answering, and Kubernetes says so); the tie-break
    // ranks one of node-2/node-3 first: that one's agent is silent too.
    const world = { agentDown: new Set<string>(), routeTakes: true };
    const { url, app } = await start(world);
    const first = firstChoiceWhenDown(['node-1', 'node-2', 'node-3'], 'node-1');
    const next = first === 'node-2' ? 'node-3' : 'node-2';
    world.agentDown.add(first);
    world.agentDown.add('node-1');
    h.cluster.updateNode('node-1', (n) => ({ ...n, conditions: { ...n.conditions, Ready: 'False' } }));
    await waitFor(() => h.fip().status.assignedNode === next, 8000, `the IP on ${next}`);
    await app.loop.idle();
    await app.reconciler.drain();
    expect(h.holderAtProvider()).toBe(next);
    expect(h.acceptedMoves()).toBe(1);
    const warning = h.cluster.events.find((e) => e.reason === 'TargetCheckFailed');
    expect(warning?.type).toBe('Warning');
    expect(warning?.message).toContain(`not moving to ${first}: the agent on ${first} did not answer its identity probe`);
    const moves = app.reconciler.snapshot().moves.map((m) => `${m.to}:${m.result}`);
    expect(moves).toEqual([`${first}:check-failed`, `${next}:success`]);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/ipshift_move_checks_total\{check="target",result="failed"\} 1/);
    expect(metrics).toMatch(/ipshift_move_checks_total\{check="confirm",result="confirmed"\} 1/);
    expect(h.fip().status.conditions?.find((c) => c.type === 'Degraded')).toMatchObject({ status: 'False', reason: 'HolderHealthy' });
  });

  it('a route that does not take (the address keeps answering from the old holder) ends Degraded/MoveUnconfirmed, until it answers from the new one', async () => {
    const world = { agentDown: new Set<string>(), routeTakes: false };
    const { url, app } = await start(world);
    h.cluster.updateNode('node-1', (n) => ({ ...n, conditions: { ...n.conditions, Ready: 'False' } }));
    await waitFor(() => h.fip().status.conditions?.find((c) => c.type === 'Degraded')?.reason === 'MoveUnconfirmed', 8000, 'Degraded MoveUnconfirmed');
    const holder = h.fip().status.assignedNode as string;
    expect(holder).not.toBe('node-1');
    expect(h.fip().status.conditions?.find((c) => c.type === 'Degraded')).toMatchObject({
      status: 'True',
      message: `the failover address does not answer from ${holder}: ${ADDRESS} answers as node-1`,
    });
    expect(h.fip().status.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'MoveUnconfirmed' });
    expect(h.cluster.events.find((e) => e.reason === 'MoveUnconfirmed')).toMatchObject({ type: 'Warning' });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/ipshift_failover_ip_move_unconfirmed\{failover_ip="default\/web"\} 1/);
    expect(metrics).toMatch(/ipshift_move_checks_total\{check="confirm",result="unconfirmed"\} 1/);
    // No second move: Degraded says what is wrong; moving again would not fix a provider's route.
    expect(h.acceptedMoves()).toBe(1);

    // The route takes after all: the next ask clears it.
    world.routeTakes = true;
    await waitFor(() => h.fip().status.conditions?.find((c) => c.type === 'Degraded')?.status === 'False', 8000, 'Degraded cleared');
    await app.reconciler.drain();
    expect(h.cluster.events.filter((e) => e.reason === 'MoveUnconfirmed').map((e) => e.type)).toEqual(['Warning', 'Normal']);
    expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/ipshift_failover_ip_move_unconfirmed\{failover_ip="default\/web"\} 0/);
    expect(h.acceptedMoves()).toBe(1);
  });
});
