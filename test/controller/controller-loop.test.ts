import { ControllerHarness, harnessNode, sleep, waitFor } from '../support/controller-harness.js';
import { postAlerts } from '../support/webhook.js';

/**
 * The whole controller through the composition root: real reconciler, real webhook, the real
 * netcup adapter against its emulator; only the cluster is in memory.
 */
describe('controller loop', () => {
  let h: ControllerHarness;
  afterEach(async () => h.stop());

  it('a down alert on the holder moves the IP to the healthiest node', async () => {
    h = await ControllerHarness.start();
    h.cluster.updateNode('node-2', (n) => ({ ...n, conditions: { ...n.conditions, DiskPressure: 'True' } }));
    const { url, app } = await h.addReplica();
    await app.loop.idle();
    expect(h.holderAtProvider()).toBe('node-1');
    const response = await h.postAlert(url, 'node-1', 'firing');
    expect(response.status).toBe(200);
    await waitFor(() => h.holderAtProvider() === 'node-3', 3000, 'move to node-3');
    await waitFor(() => h.fip().status.assignedNode === 'node-3');
    expect(h.acceptedMoves()).toBe(1);
    // The run after the move settles on the new holder.
    await waitFor(() => h.fip().status.lastDecision?.reason === 'holder-healthiest', 2000, 'the settled decision');
    expect(h.cluster.events.some((e) => e.reason === 'HolderDown' && e.message.startsWith('moved to node-3'))).toBe(true);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/ipshift_moves_total\{failover_ip="default\/web",reason="holder-down",result="success"\} 1/);
  });

  it('a Node condition change alone moves the IP', async () => {
    h = await ControllerHarness.start();
    const { app } = await h.addReplica();
    await app.loop.idle();
    h.cluster.updateNode('node-1', (n) => ({ ...n, conditions: { ...n.conditions, Ready: 'False' } }));
    await waitFor(() => h.holderAtProvider() !== 'node-1', 3000, 'a move away from node-1');
    expect(h.acceptedMoves()).toBe(1);
  });

  it('equal health never moves the IP, however often it changes', async () => {
    h = await ControllerHarness.start();
    const { app } = await h.addReplica();
    await app.loop.idle();
    for (let i = 0; i < 20; i++) {
      const pressure = i % 2 === 0 ? 'True' : 'False';
      for (const node of ['node-1', 'node-2', 'node-3'])
        h.cluster.updateNode(node, (n) => ({ ...n, conditions: { ...n.conditions, MemoryPressure: pressure } }));
      await app.loop.idle();
    }
    expect(h.acceptedMoves()).toBe(0);
    expect(h.holderAtProvider()).toBe('node-1');
  });

  it('inside the cooldown the move waits, then happens when the cooldown ends', async () => {
    h = await ControllerHarness.start({ cooldownSeconds: 2 });
    const { url, app } = await h.addReplica();
    await app.loop.idle();
    await h.postAlert(url, 'node-1', 'firing');
    await waitFor(() => h.acceptedMoves() === 1 && h.fip().status.assignedNode !== 'node-1', 3000, 'first move');
    const firstHolder = h.fip().status.assignedNode as string;
    const lastMove = Date.parse(h.fip().status.lastMoveTime ?? '');
    await h.postAlert(url, firstHolder, 'firing');
    await waitFor(() => h.fip().status.lastDecision?.outcome === 'wait-cooldown', 2000, 'wait-cooldown');
    expect(h.acceptedMoves()).toBe(1);
    await waitFor(() => h.acceptedMoves() === 2, 4000, 'second move after the cooldown');
    const second = h.emulator.patches.filter((p) => p.status === 202)[1];
    expect(second?.at).toBeGreaterThanOrEqual(lastMove + 2000);
    // Scheduled for the moment the cooldown ends, not the next poll.
    expect(second?.at).toBeLessThan(lastMove + 2000 + 500);
  });

  it('a provider 5xx storm ends in one move, not two', async () => {
    h = await ControllerHarness.start();
    const { url, app } = await h.addReplica();
    await app.loop.idle();
    h.emulator.faults.failNext(5, 503);
    await h.postAlert(url, 'node-1', 'firing');
    await waitFor(
      () => h.fip().status.assignedNode !== 'node-1' && h.fip().status.assignedNode !== undefined && h.holderAtProvider() !== 'node-1',
      8000,
      'the move',
    );
    await sleep(300);
    await app.loop.idle();
    expect(h.acceptedMoves()).toBe(1);
  });

  it('a leader change mid-move causes no double move', async () => {
    h = await ControllerHarness.start({ cooldownSeconds: 3, taskDurationMs: 600 });
    const a = await h.addReplica(true);
    const b = await h.addReplica(false);
    await a.app.loop.idle();
    await h.postAlert(a.url, 'node-1', 'firing');
    await h.postAlert(b.url, 'node-1', 'firing');
    await waitFor(() => h.emulator.patches.length === 1, 2000, 'the first PATCH');
    // A loses the lease mid-task (its task keeps running at the provider); B takes over.
    a.leadership.set(false);
    b.leadership.set(true);
    // Past the persisted cooldown B re-reads the provider before routing and adopts A's move.
    await sleep(3300);
    await b.app.loop.idle();
    expect(h.acceptedMoves()).toBe(1);
    expect(h.holderAtProvider()).not.toBe('node-1');
  });

  it('a restart inside the cooldown honours it', async () => {
    h = await ControllerHarness.start({ cooldownSeconds: 30 });
    const first = await h.addReplica();
    await first.app.loop.idle();
    await h.postAlert(first.url, 'node-1', 'firing');
    await waitFor(() => h.acceptedMoves() === 1 && h.fip().status.assignedNode !== undefined && h.fip().status.assignedNode !== 'node-1', 3000, 'first move');
    const holder = h.fip().status.assignedNode as string;
    await first.stop();
    h.replicas.splice(0, 1);
    const second = await h.addReplica();
    await h.postAlert(second.url, holder, 'firing');
    await waitFor(() => h.fip().status.lastDecision?.outcome === 'wait-cooldown', 2000, 'wait-cooldown after restart');
    await sleep(300);
    expect(h.acceptedMoves()).toBe(1);
  });

  it('an out-of-band move is adopted, not fought', async () => {
    h = await ControllerHarness.start();
    const { url, app } = await h.addReplica();
    await app.loop.idle();
    h.emulator.setRouting('198.51.100.10', 111003);
    await h.postAlert(url, 'node-1', 'firing');
    await waitFor(() => h.fip().status.assignedNode === 'node-3', 3000, 'adoption of node-3');
    await sleep(200);
    await app.loop.idle();
    expect(h.acceptedMoves()).toBe(0);
    expect(app.reconciler.snapshot().moves.map((m) => m.result)).toEqual(['adopted']);
  });

  it('all nodes down keeps the holder and says so in status, metrics and an Event', async () => {
    h = await ControllerHarness.start();
    const { url, app } = await h.addReplica();
    await app.loop.idle();
    for (const node of ['node-1', 'node-2', 'node-3']) h.cluster.setNode(harnessNode(node, { conditions: { Ready: 'False' } }));
    await waitFor(() => h.fip().status.lastDecision?.outcome === 'no-eligible-node', 2000, 'no-eligible-node');
    expect(h.acceptedMoves()).toBe(0);
    expect(h.fip().status.assignedNode).toBe('node-1');
    expect(h.cluster.events.some((e) => e.type === 'Warning' && e.reason === 'HolderDown')).toBe(true);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/ipshift_decisions_total\{failover_ip="default\/web",outcome="no-eligible-node",reason="holder-down"\} [1-9]/);
    const state = (await (await fetch(`${url}/api/v1/state`)).json()) as {
      failoverIPs: Array<{ lastDecision: { outcome: string } }>;
      nodes: Array<{ eligible: boolean }>;
    };
    expect(state.failoverIPs[0]?.lastDecision.outcome).toBe('no-eligible-node');
    expect(state.nodes.every((n) => !n.eligible)).toBe(true);
  });

  it('paused freezes moves and the move-to annotation moves once, then is removed', async () => {
    h = await ControllerHarness.start();
    const { app } = await h.addReplica();
    await app.loop.idle();
    h.cluster.setFailoverIP({ ...h.fip(), spec: { ...h.fip().spec, paused: true } });
    h.cluster.updateNode('node-1', (n) => ({ ...n, conditions: { ...n.conditions, Ready: 'False' } }));
    await waitFor(() => h.fip().status.lastDecision?.outcome === 'paused', 2000, 'paused');
    expect(h.acceptedMoves()).toBe(0);
    h.cluster.updateNode('node-1', (n) => ({ ...n, conditions: { ...n.conditions, Ready: 'True' } }));
    h.cluster.setFailoverIP({ ...h.fip(), spec: { ...h.fip().spec, paused: false }, annotations: { 'ipshift.dev/move-to': 'node-2' } });
    await waitFor(() => h.holderAtProvider() === 'node-2', 3000, 'manual move');
    await waitFor(() => h.fip().annotations['ipshift.dev/move-to'] === undefined, 2000, 'annotation removed');
    expect(h.acceptedMoves()).toBe(1);
  });

  it('with no cooldown, a probe alert still firing after the move does not bounce the IP', async () => {
    h = await ControllerHarness.start({ cooldownSeconds: 0 });
    const { url, app } = await h.addReplica();
    await app.loop.idle();
    // The failover-IP probe fails: the alert names the IP, not a node (it maps to the holder).
    const probe = {
      status: 'firing',
      labels: { alertname: 'IpshiftFailoverIPProbeFailed', failover_ip: 'default/web', ipshift_class: 'down', severity: 'critical' },
      annotations: {},
      startsAt: new Date(Date.now() - 15_000).toISOString(),
      endsAt: '0001-01-01T00:00:00Z',
      fingerprint: 'probe-web',
    };
    expect((await postAlerts(url, [probe])).status).toBe(200);
    await waitFor(() => h.acceptedMoves() === 1 && h.holderAtProvider() !== 'node-1', 3000, 'the failover');
    // The alert lingers until its resolve arrives; it is about node-1, where it started.
    await sleep(800);
    await app.loop.idle();
    expect(h.acceptedMoves()).toBe(1);
    const state = (await (await fetch(`${url}/api/v1/state`)).json()) as { nodes: Array<{ name: string; tier: string }> };
    expect(state.nodes.find((n) => n.name === 'node-1')?.tier).toBe('down');
  });

  it('a follower plans but never moves', async () => {
    h = await ControllerHarness.start();
    const { url, app } = await h.addReplica(false);
    await app.loop.idle();
    await h.postAlert(url, 'node-1', 'firing').catch(() => undefined);
    h.cluster.updateNode('node-1', (n) => ({ ...n, conditions: { ...n.conditions, Ready: 'False' } }));
    await sleep(300);
    await app.loop.idle();
    expect(h.acceptedMoves()).toBe(0);
    expect(app.reconciler.snapshot().pass?.plans[0]?.decision.outcome).toBe('move');
  });
});
