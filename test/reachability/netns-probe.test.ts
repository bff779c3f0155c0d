/**
 * ipshift's node probe against real kernels, for nodes WITHOUT the agent (nothing listens on
 * the probe port, every answer is a reset): the prober runs in a "controller" network
 * namespace; the holder's InternalIP, its failover address and a witness are addresses in a
 * "nodes" namespace, joined by a veth pair (the host's own interfaces are never touched). An
 * address that vanishes stops answering exactly like a crashed machine: SYNs go unanswered.
 * The identity-checked topology (agents, pods, provider router) is topology.test.ts.
 * Needs root (CAP_SYS_ADMIN for `ip netns add`); CI runs as root.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface, type Interface } from 'node:readline';
import { describeAsRoot as asRoot } from '../support/as-root.js';
import { ip } from '../support/netns.js';

const describeAsRoot = asRoot('test/reachability/netns-probe.test.ts');

const suffix = randomBytes(4).toString('hex');
const NS_CONTROLLER = `ipshift-p-${suffix}-c`;
const NS_NODES = `ipshift-p-${suffix}-n`;
const HOLDER = '10.97.0.2';
const WITNESS = '10.97.0.3';
const FAILOVER = '10.97.0.10';

interface Round {
  readonly unresponsive: string[];
  readonly counted: boolean;
  readonly results: string[];
}

describeAsRoot('node probe in real network namespaces', () => {
  let child: ChildProcessWithoutNullStreams;
  let lines: Interface;
  const pending: Array<(line: string) => void> = [];

  const round = async (): Promise<Round> => {
    const answer = new Promise<string>((resolve) => pending.push(resolve));
    child.stdin.write('round\n');
    return JSON.parse(await answer) as Round;
  };

  beforeAll(async () => {
    await ip('netns', 'add', NS_CONTROLLER);
    await ip('netns', 'add', NS_NODES);
    await ip('-n', NS_CONTROLLER, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', NS_NODES);
    await ip('-n', NS_CONTROLLER, 'addr', 'add', '10.97.0.1/24', 'dev', 'eth0');
    // The witness first: deleting an interface's primary address would take the secondaries with it.
    await ip('-n', NS_NODES, 'addr', 'add', `${WITNESS}/24`, 'dev', 'eth0');
    await ip('-n', NS_NODES, 'addr', 'add', `${HOLDER}/24`, 'dev', 'eth0');
    await ip('-n', NS_NODES, 'addr', 'add', `${FAILOVER}/32`, 'dev', 'eth0');
    for (const ns of [NS_CONTROLLER, NS_NODES]) {
      await ip('-n', ns, 'link', 'set', 'lo', 'up');
      await ip('-n', ns, 'link', 'set', 'eth0', 'up');
    }
    child = spawn('ip', ['netns', 'exec', NS_CONTROLLER, process.execPath, '--import', 'tsx', 'test/reachability/probe-rounds.ts', HOLDER, WITNESS, FAILOVER], {
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    child.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => pending.shift()?.(line));
  }, 30_000);

  afterAll(async () => {
    child?.stdin.end();
    child?.kill();
    lines?.close();
    await ip('netns', 'del', NS_CONTROLLER).catch(() => undefined);
    await ip('netns', 'del', NS_NODES).catch(() => undefined);
  });

  const ALL_ANSWER = ['failover-ip:inconclusive', 'node-address:answered', 'node-address:answered'];

  it("a live kernel's reset counts on the node's own address, never on a failover address (the prober's node may carry it)", async () => {
    expect(await round()).toEqual({ unresponsive: [], counted: true, results: ALL_ANSWER });
  }, 30_000);

  it('without the agent, losing the private address is a verdict: the reset on the failover address cannot vouch (the cost)', async () => {
    await ip('-n', NS_NODES, 'addr', 'del', `${HOLDER}/24`, 'dev', 'eth0');
    const silent = [await round(), await round(), await round()];
    expect(silent.map((r) => r.results)).toEqual(Array(3).fill(['failover-ip:inconclusive', 'node-address:answered', 'node-address:silent']));
    expect(silent.map((r) => r.unresponsive)).toEqual([[], [], ['holder']]);

    await ip('-n', NS_NODES, 'addr', 'add', `${HOLDER}/24`, 'dev', 'eth0');
    expect(await round()).toEqual({ unresponsive: [], counted: true, results: ALL_ANSWER });
  }, 30_000);

  it("when the controller's own link is down nobody is judged: the rounds do not count", async () => {
    await ip('-n', NS_CONTROLLER, 'link', 'set', 'eth0', 'down');
    const rounds = [await round(), await round(), await round(), await round()];
    expect(rounds.map((r) => r.counted)).toEqual([false, false, false, false]);
    expect(rounds.map((r) => r.unresponsive)).toEqual([[], [], [], []]);
    expect(rounds[0]?.results).not.toContain('answered');
    await ip('-n', NS_CONTROLLER, 'link', 'set', 'eth0', 'up');
  }, 30_000);
});
