import { ControllerHarness, harnessNode, waitFor } from '../support/controller-harness.js';

/**
 * Leader placement through the composition root: a leader on the node that holds the IP hands
 * the Lease over once a Ready replica runs on a node that holds nothing, so one crash never
 * takes out the holder and the decider together.
 */
describe('leader placement', () => {
  let h: ControllerHarness;
  afterEach(async () => h.stop());

  const PODS = { namespace: 'ipshift', matchLabels: { 'app.kubernetes.io/component': 'controller' } };

  async function start(nodeName: string) {
    h = await ControllerHarness.start();
    for (const name of ['node-1', 'node-2', 'node-3']) h.cluster.setNode(harnessNode(name));
    const replica = await h.addReplica(true, { env: { NODE_NAME: nodeName }, controllerPods: PODS });
    await waitFor(() => h.fip().status.assignedNode === 'node-1', 3000, 'node-1 holds the IP');
    await replica.app.loop.idle();
    return replica;
  }

  it('a leader on the holder keeps the Lease while it is the only Ready replica, and hands it over once another one is Ready elsewhere', async () => {
    const { app, leadership } = await start('node-1');
    h.cluster.setReadyPodNodes('ipshift', ['node-1']);
    await app.loop.idle();
    expect(leadership.resignations).toEqual([]);
    // The other replica runs on a holder too: no better place.
    h.cluster.setReadyPodNodes('ipshift', ['node-1', 'node-1']);
    await app.loop.idle();
    expect(leadership.resignations).toEqual([]);
    h.cluster.setReadyPodNodes('ipshift', ['node-1', 'node-2']);
    await waitFor(() => leadership.resignations.length >= 1, 3000, 'the Lease handed over');
    expect(leadership.resignations[0]).toContain('node-2');
    expect(h.acceptedMoves()).toBe(0);
  });

  it('a leader elsewhere never hands over', async () => {
    const { app, leadership } = await start('node-2');
    h.cluster.setReadyPodNodes('ipshift', ['node-1', 'node-2', 'node-3']);
    await app.loop.idle();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await app.loop.idle();
    expect(leadership.resignations).toEqual([]);
  });
});
