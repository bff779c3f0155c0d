/**
 * `ipshift agent` end to end: the real Kubernetes client against the HTTP fake API server,
 * the real iproute2 code inside a throw-away network namespace. Changes reach the agent only
 * through the watches (the resync period is an hour). Needs root for the namespace.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../src/ports/logger.js';
import { AGENT_SA, makeFailoverIP, makeNode, startFakeKubeApi, type FakeKubeApi } from '../test/fake-kube-api/index.js';
import { AgentOptionsError } from './agent-options.js';
import { startAgentFromEnv, type StartedAgent } from './agent-command.js';
import { Iproute2Link } from './iproute2-link.js';
import { describeAsRoot as asRoot } from '../test/support/as-root.js';
import { ip, sysctlIn, NO_DAD } from '../test/support/netns.js';

const describeAsRoot = asRoot('agent/agent-command.test.ts (namespace part)');

const ACCEPTED = (generation: number) => ({
  conditions: [
    { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'ok', lastTransitionTime: '2026-12-01T00:00:00Z', observedGeneration: generation },
  ],
});

const NS = `ipshift-t-${randomBytes(4).toString('hex')}-e`;

async function addressesIn(ns: string): Promise<string[]> {
  const stdout = await ip('-n', ns, '-j', 'addr', 'show', 'dev', 'eth0');
  const links = JSON.parse(stdout) as { addr_info: { local: string; prefixlen: number }[] }[];
  return (links[0]?.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`);
}

/** Polls the namespace every 20 ms, at most `timeoutMs`. */
async function eventually(check: (addresses: string[]) => boolean, what: string, timeoutMs = 8000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const addresses = await addressesIn(NS);
    if (check(addresses)) return addresses;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; eth0 has ${addresses.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('startAgentFromEnv', () => {
  it('refuses invalid settings before touching anything', async () => {
    await expect(startAgentFromEnv({ IPSHIFT_AGENT_MODE: 'sometimes' })).rejects.toThrow(AgentOptionsError);
  });

  it('refuses to start without any Kubernetes configuration', async () => {
    await expect(startAgentFromEnv({ NODE_NAME: 'node-e' })).rejects.toThrow('no Kubernetes configuration');
  });
});

describeAsRoot('ipshift agent against a fake API server and a real network namespace', () => {
  let api: FakeKubeApi | null = null;
  let started: StartedAgent | null = null;
  let dir = '';
  let nsCreated = false;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ipshift-agent-e2e-'));
    await ip('netns', 'add', NS);
    nsCreated = true;
    await sysctlIn(NS, ...NO_DAD);
    await ip('-n', NS, 'link', 'add', 'eth0', 'address', '02:00:5e:20:00:01', 'type', 'veth', 'peer', 'name', 'peer0');
    await ip('-n', NS, 'addr', 'add', '10.98.0.1/24', 'dev', 'eth0');
    await ip('-n', NS, 'addr', 'add', '2001:db8:eeee:1::1/64', 'dev', 'eth0', 'nodad');
    await ip('-n', NS, 'link', 'set', 'eth0', 'up');
    await ip('-n', NS, 'link', 'set', 'peer0', 'up');
    api = await startFakeKubeApi();
  });

  afterAll(async () => {
    await started?.stop();
    await api?.stop();
    if (nsCreated) await ip('netns', 'del', NS).catch(() => undefined);
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('follows the FailoverIPs and its Node through the watches', async () => {
    if (api === null) throw new Error('fake API server not started');
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        `clusters: [{name: fake, cluster: {server: "${api.url}", insecure-skip-tls-verify: true}}]`,
        // The agent's own ServiceAccount: the fake holds it to deploy/'s RBAC.
        `users: [{name: agent, user: {token: ${api.tokenFor(AGENT_SA.namespace, AGENT_SA.name, 'agent')}}}]`,
        'contexts: [{name: fake, context: {cluster: fake, user: agent}}]',
        'current-context: fake',
        '',
      ].join('\n'),
    );
    api.setNode(makeNode({ name: 'node-e', internalIP: '10.98.0.1', labels: { edge: 'true' } }));
    api.setNode(makeNode({ name: 'node-other', internalIP: '10.98.0.2', labels: { edge: 'true' } }));
    api.upsertFailoverIP(
      makeFailoverIP({ name: 'web', addresses: ['198.51.100.30', '2001:db8:40::/64'], nodeSelector: { matchLabels: { edge: 'true' } }, status: ACCEPTED(1) }),
    );
    // Accepted, but in a namespace the install does not name: never read.
    api.upsertFailoverIP(makeFailoverIP({ name: 'tenant', namespace: 'tenant', addresses: ['198.51.100.31'], status: ACCEPTED(1) }));

    started = await startAgentFromEnv(
      {
        NODE_NAME: 'node-e',
        KUBECONFIG: kubeconfig,
        IPSHIFT_AGENT_PORT: '0',
        IPSHIFT_AGENT_PROBE_PORT: '0',
        IPSHIFT_AGENT_BIND: '127.0.0.1',
        IPSHIFT_AGENT_STATE_DIR: join(dir, 'state'),
        IPSHIFT_AGENT_RESYNC_SECONDS: '3600',
        IPSHIFT_AGENT_ALLOW_DOCUMENTATION_ADDRESSES: 'true',
        IPSHIFT_CLUSTER_LABEL: 'e2e',
      },
      { link: new Iproute2Link({ netns: NS }, { logger: silentLogger }), logger: silentLogger },
    );
    // start() returns after the first pass: the addresses are there already.
    const eui64 = '2001:db8:eeee:1:0:5eff:fe20:1/64';
    expect(await addressesIn(NS)).toEqual(expect.arrayContaining(['198.51.100.30/32', '2001:db8:40::1/64', eui64]));
    expect(await addressesIn(NS)).not.toContain('198.51.100.31/32');
    // it watches only its own node
    const nodeRequests = api.requests().filter((r) => r.path.startsWith('/api/v1/nodes'));
    expect(nodeRequests.length).toBeGreaterThan(0);
    expect(nodeRequests.every((r) => r.query['fieldSelector'] === 'metadata.name=node-e')).toBe(true);

    const metrics = await (await fetch(`http://127.0.0.1:${started.agent.port}/metrics`)).text();
    const present = metrics.split('\n').find((line) => line.startsWith('ipshift_agent_address_present{') && line.includes('address="198.51.100.30/32"'));
    expect(present).toBeDefined();
    expect(present).toContain('failover_ip="ipshift/web"');
    expect(present).toContain('interface="eth0"');
    expect(present).toContain('cluster="e2e"');
    expect(present).toMatch(/ 1$/);
    expect(metrics).toContain('ipshift_kube_');

    // The node loses the label the selector wants: the agent's addresses go, the node's stay.
    api.setNode(makeNode({ name: 'node-e', internalIP: '10.98.0.1', labels: { edge: 'false' } }));
    const afterUnlabel = await eventually((a) => !a.includes('198.51.100.30/32') && !a.includes(eui64), 'removal after the label change');
    expect(afterUnlabel).toEqual(expect.arrayContaining(['10.98.0.1/24', '2001:db8:eeee:1::1/64']));

    // Labelled again, then the FailoverIP is deleted.
    api.setNode(makeNode({ name: 'node-e', internalIP: '10.98.0.1', labels: { edge: 'true' } }));
    await eventually((a) => a.includes('198.51.100.30/32') && a.includes('2001:db8:40::1/64'), 'the addresses again after relabelling');

    // A new generation (another address) the controller has not accepted: the last accepted
    // spec stays in force. Once accepted (a status-only change), it applies.
    const edited = { name: 'web', addresses: ['198.51.100.30', '198.51.100.32'], nodeSelector: { matchLabels: { edge: 'true' } } };
    api.upsertFailoverIP(makeFailoverIP(edited));
    const probe = makeFailoverIP({ name: 'probe', addresses: ['198.51.100.33'], status: ACCEPTED(1) });
    api.upsertFailoverIP(probe); // a later event: once it is applied, the edit was seen too
    await eventually((a) => a.includes('198.51.100.33/32'), 'the probe FailoverIP');
    const pending = await addressesIn(NS);
    expect(pending).not.toContain('198.51.100.32/32');
    expect(pending).toEqual(expect.arrayContaining(['198.51.100.30/32', '2001:db8:40::1/64']));
    api.upsertFailoverIP(makeFailoverIP({ ...edited, status: ACCEPTED(2) }));
    await eventually((a) => a.includes('198.51.100.32/32') && !a.includes('2001:db8:40::1/64'), 'the accepted generation 2');
    api.deleteFailoverIP('ipshift', 'probe');
    api.deleteFailoverIP('ipshift', 'web');
    const afterDelete = await eventually((a) => !a.includes('198.51.100.30/32') && !a.includes('2001:db8:40::1/64'), 'removal after deletion');
    expect(afterDelete).toEqual(expect.arrayContaining(['10.98.0.1/24', '2001:db8:eeee:1::1/64']));
  });

  it('holder-only: follows a status-only change of the decision, both ways, without waiting for a resync', async () => {
    if (api === null) throw new Error('fake API server not started');
    await started?.stop();
    started = null;
    const status = (desiredNode: string, assignedNode: string) => ({ ...ACCEPTED(1), desiredNode, assignedNode });
    api.upsertFailoverIP(makeFailoverIP({ name: 'moving', addresses: ['198.51.100.40'], status: status('node-other', 'node-other') }));
    started = await startAgentFromEnv(
      {
        NODE_NAME: 'node-e',
        KUBECONFIG: join(dir, 'kubeconfig'),
        IPSHIFT_AGENT_MODE: 'holder-only',
        IPSHIFT_AGENT_PORT: '0',
        IPSHIFT_AGENT_PROBE_PORT: '0',
        IPSHIFT_AGENT_UPLINK_INTERVAL_MS: '0',
        IPSHIFT_AGENT_BIND: '127.0.0.1',
        IPSHIFT_AGENT_STATE_DIR: join(dir, 'state-holder'),
        IPSHIFT_AGENT_RESYNC_SECONDS: '3600',
        IPSHIFT_AGENT_ALLOW_DOCUMENTATION_ADDRESSES: 'true',
      },
      { link: new Iproute2Link({ netns: NS }, { logger: silentLogger }), logger: silentLogger },
    );
    expect(await addressesIn(NS)).not.toContain('198.51.100.40/32');
    // The controller chooses node-e: only status changes (the generation stays 1).
    api.upsertFailoverIP(makeFailoverIP({ name: 'moving', addresses: ['198.51.100.40'], status: status('node-e', 'node-other') }));
    await eventually((a) => a.includes('198.51.100.40/32'), 'the new holder adding the address', 3000);
    // ... and moves it away again: the old holder lets go.
    api.upsertFailoverIP(makeFailoverIP({ name: 'moving', addresses: ['198.51.100.40'], status: status('node-other', 'node-other') }));
    await eventually((a) => !a.includes('198.51.100.40/32'), 'the former holder removing the address', 3000);
    api.deleteFailoverIP('ipshift', 'moving');
  });
});
