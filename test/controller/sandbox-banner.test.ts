import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { sandboxBanner } from '../../src/cli/sandbox-banner.js';
import { SANDBOX_COOLDOWN_SECONDS, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { waitFor } from '../support/controller-harness.js';
import { startTestSandbox, stateOf } from '../support/sandbox.js';

const run = promisify(execFile);

interface State {
  failoverIPs: Array<{ assignedNode: string | null }>;
  nodes: Array<{ name: string; tier: string; issues: string[]; alerts: unknown[] }>;
  services: Array<{ namespace: string; name: string; holder: string | null; addresses: string[]; readyEndpointNodes: string[] | null }>;
}

/** The banner's commands, as a person would copy them: each `curl` with its continuation lines. */
function commands(banner: string): string[] {
  const lines = banner.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s+curl /.test(lines[i] ?? '')) continue;
    let command = lines[i] ?? '';
    while (command.endsWith('\\')) command += `\n${lines[++i] ?? ''}`;
    out.push(command);
  }
  return out;
}

/** Pasted into bash as printed, with the token exported the way the banner asks. */
async function paste(command: string, env: Record<string, string>): Promise<string> {
  const { stdout } = await run('bash', ['-c', command], { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env }, timeout: 10_000 });
  return stdout;
}

describe.each([
  ['with a webhook token', 'a-sandbox-token-0123456789'],
  ['without a webhook token', undefined],
])('the sandbox banner %s: its commands work as printed', (_title, token) => {
  let sandbox: Sandbox;
  let banner: string;
  const env: Record<string, string> = token === undefined ? {} : { IPSHIFT_WEBHOOK_TOKEN: token };
  const state = (): Promise<State> => stateOf<State>(sandbox.url);
  const node = async (name: string) => (await state()).nodes.find((n) => n.name === name);

  beforeAll(async () => {
    sandbox = await startTestSandbox({ IPSHIFT_NODE_PROBE_INTERVAL_MS: '200', ...env });
    // As `ipshift controller` prints it.
    banner = sandboxBanner(sandbox.url.replace('127.0.0.1', 'localhost'), 'node-1', token, 0);
  });
  afterAll(async () => sandbox.stop());

  it('the token is never printed; the break, heal and power commands do what the banner says, and break works again after a heal', async () => {
    if (token !== undefined) {
      expect(banner).not.toContain(token);
      expect(banner).toContain('"Authorization: Bearer $IPSHIFT_WEBHOOK_TOKEN"');
    }
    const [breakIt, heal, powerOff] = commands(banner);
    expect([breakIt, heal, powerOff].every((c) => c !== undefined)).toBe(true);

    const answer = await paste(breakIt as string, env);
    expect(JSON.parse(answer)).toMatchObject({ status: 'recorded', firing: 1 });
    await waitFor(async () => (await state()).failoverIPs[0]?.assignedNode !== 'node-1', 5000, 'the IP leaves node-1');
    expect((await node('node-1'))?.tier).toBe('down');

    await paste(heal as string, env);
    await waitFor(async () => (await node('node-1'))?.tier === 'healthy', 5000, 'node-1 healthy after the heal');
    expect((await node('node-1'))?.alerts).toEqual([]);

    // The same firing again (same startsAt) must not be taken for a late duplicate of the healed one.
    await paste(breakIt as string, env);
    await waitFor(async () => (await node('node-1'))?.tier === 'down', 5000, 'node-1 down again');
    await paste(heal as string, env);
    await waitFor(async () => (await node('node-1'))?.tier === 'healthy', 5000, 'node-1 healed again');

    // The power command names node-1; it is a plain command with a shell comment after it.
    await paste(powerOff as string, env);
    await waitFor(async () => (await node('node-1'))?.issues.includes('unresponsive') === true, 5000, 'node-1 unresponsive');
    await paste(powerOff?.replace('state=off', 'state=on') as string, env);
    await waitFor(async () => (await node('node-1'))?.tier === 'healthy', 5000, 'node-1 answers again');
  }, 40_000);

  it("the endpoints command moves the Service's endpoints, and the IP follows them", async () => {
    const endpoints = commands(banner)[3];
    expect(endpoints).toContain('/sandbox/services/shop/endpoints?nodes=node-3');
    expect(JSON.parse(await paste(endpoints as string, env))).toEqual({ service: 'default/shop', readyEndpointNodes: ['node-3'] });
    await waitFor(async () => (await state()).failoverIPs[0]?.assignedNode === 'node-3', 5000, 'the IP on node-3');
    await waitFor(async () => (await state()).services[0]?.holder === 'node-3', 5000, 'the Service on node-3');
    expect((await state()).services[0]).toMatchObject({ namespace: 'default', name: 'shop', addresses: ['198.51.100.10'], readyEndpointNodes: ['node-3'] });
  }, 20_000);

  it("states the sandbox's cooldown", () => {
    expect(sandboxBanner('http://localhost:8080', 'node-1', token)).toContain(`cooldown is ${SANDBOX_COOLDOWN_SECONDS} s`);
  });
});
