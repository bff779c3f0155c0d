import type { Sandbox } from '../../src/sandbox/start-sandbox.js';
import { waitFor } from '../support/controller-harness.js';
import { startTestSandbox, stateOf } from '../support/sandbox.js';

interface State {
  failoverIPs: Array<{ assignedNode: string | null; lastDecision?: { reason: string } }>;
  nodes: Array<{ name: string; issues: string[] }>;
}

/** The sandbox's power switch: no alert, no Kubernetes change, only ipshift's own node probe. */
describe('sandbox power control', () => {
  let sandbox: Sandbox;
  const state = (): Promise<State> => stateOf<State>(sandbox.url);

  beforeAll(async () => {
    sandbox = await startTestSandbox({ IPSHIFT_NODE_PROBE_INTERVAL_MS: '200' });
  });
  afterAll(async () => sandbox.stop());

  it('powering off the holder moves the IP by the probe alone, long before Kubernetes would notice; powering on clears the issue', async () => {
    await waitFor(async () => (await state()).failoverIPs[0]?.assignedNode === 'node-1', 3000, 'node-1 holds the IP');
    const off = await fetch(`${sandbox.url}/sandbox/nodes/node-1/power?state=off`, { method: 'POST' });
    expect(off.status).toBe(200);
    await waitFor(async () => (await state()).failoverIPs[0]?.assignedNode !== 'node-1', 5000, 'a move away from node-1');
    const after = await state();
    expect(after.failoverIPs[0]?.lastDecision?.reason).toMatch(/holder-down|holder-healthiest/);
    expect(after.nodes.find((n) => n.name === 'node-1')?.issues).toEqual(['unresponsive']);
    // Kubernetes has not noticed: Ready is still True (it takes 40 s in the sandbox too).
    expect(sandbox.cluster.nodes().find((n) => n.name === 'node-1')?.conditions['Ready']).toBe('True');
    expect(sandbox.emulator.patches.filter((p) => p.status === 202)).toHaveLength(1);

    await fetch(`${sandbox.url}/sandbox/nodes/node-1/power?state=on`, { method: 'POST' });
    await waitFor(async () => (await state()).nodes.find((n) => n.name === 'node-1')?.issues.length === 0, 3000, 'node-1 answers again');
  });

  it('answers 400 and 404 for a bad state or an unknown node', async () => {
    expect((await fetch(`${sandbox.url}/sandbox/nodes/node-1/power?state=maybe`, { method: 'POST' })).status).toBe(400);
    expect((await fetch(`${sandbox.url}/sandbox/nodes/node-9/power?state=off`, { method: 'POST' })).status).toBe(404);
  });
});
