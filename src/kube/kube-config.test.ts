import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer as createNetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { startFakeKubeApi, type FakeKubeApi } from '../../test/fake-kube-api/index.js';
import { waitFor } from '../../test/support/wait.js';
import { systemClock } from '../ports/clock.js';
import { discoverKubeConfig, probeCluster, waitForApiServer } from './kube-config.js';
import { createCapturingLogger } from '../../test/support/capturing-logger.js';
import { listenOnLoopback } from '../../test/support/listen.js';

let api: FakeKubeApi;
let silent: Server;
let dir: string;

beforeAll(async () => {
  api = await startFakeKubeApi({ unidentifiedCallers: 'full-access' });
  // Accepts connections and never answers: a black-holed API server.
  silent = createServer(() => undefined);
  await listenOnLoopback(silent);
  dir = await mkdtemp(join(tmpdir(), 'ipshift-kubeconfig-'));
});

afterAll(async () => {
  await api.stop();
  silent.closeAllConnections();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

const kubeconfigFor = (server: string): string =>
  [
    'apiVersion: v1',
    'kind: Config',
    'clusters: [{name: c, cluster: {server: "' + server + '", insecure-skip-tls-verify: true}}]',
    'users: [{name: u, user: {token: t}}]',
    'contexts: [{name: x, context: {cluster: c, user: u}}]',
    'current-context: x',
  ].join('\n');

describe('discoverKubeConfig (the library order: KUBECONFIG, ~/.kube/config, in-cluster)', () => {
  const savedHost = process.env['KUBERNETES_SERVICE_HOST'];
  const savedPort = process.env['KUBERNETES_SERVICE_PORT'];
  afterEach(() => {
    if (savedHost === undefined) delete process.env['KUBERNETES_SERVICE_HOST'];
    else process.env['KUBERNETES_SERVICE_HOST'] = savedHost;
    if (savedPort === undefined) delete process.env['KUBERNETES_SERVICE_PORT'];
    else process.env['KUBERNETES_SERVICE_PORT'] = savedPort;
  });

  async function homeWithConfig(server: string): Promise<string> {
    const home = await mkdtemp(join(dir, 'home-'));
    await mkdir(join(home, '.kube'));
    await writeFile(join(home, '.kube', 'config'), kubeconfigFor(server));
    return home;
  }

  async function serviceAccountPrefix(): Promise<string> {
    const prefix = await mkdtemp(join(dir, 'sa-'));
    const sa = join(prefix, 'var/run/secrets/kubernetes.io/serviceaccount');
    await mkdir(sa, { recursive: true });
    await writeFile(join(sa, 'token'), 'sa-token');
    await writeFile(join(sa, 'ca.crt'), '');
    return prefix;
  }

  it('KUBECONFIG first, even inside a pod with a home config; a list of files is merged, the first naming the context', async () => {
    const first = join(dir, 'first');
    const second = join(dir, 'second');
    await writeFile(first, kubeconfigFor(api.url));
    await writeFile(
      second,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: c2, cluster: {server: "http://127.0.0.1:1", insecure-skip-tls-verify: true}}]',
        'users: [{name: u2, user: {token: t2}}]',
        'contexts: [{name: y, context: {cluster: c2, user: u2}}]',
        'current-context: y',
      ].join('\n'),
    );
    process.env['KUBERNETES_SERVICE_HOST'] = '10.0.0.1';
    const found = discoverKubeConfig({
      kubeconfig: `${first}${delimiter}${second}`,
      home: await homeWithConfig('http://127.0.0.1:2'),
      serviceAccountPrefix: await serviceAccountPrefix(),
    });
    expect(found?.source).toBe('KUBECONFIG');
    expect(found?.kubeConfig.getCurrentCluster()?.server).toBe(api.url);
    expect(
      found?.kubeConfig
        .getContexts()
        .map((c) => c.name)
        .sort(),
    ).toEqual(['x', 'y']);
  });

  it('then ~/.kube/config, before the in-cluster ServiceAccount', async () => {
    process.env['KUBERNETES_SERVICE_HOST'] = '10.0.0.1';
    const found = discoverKubeConfig({
      kubeconfig: undefined,
      home: await homeWithConfig('http://127.0.0.1:2'),
      serviceAccountPrefix: await serviceAccountPrefix(),
    });
    expect(found?.source).toBe('~/.kube/config');
    expect(found?.kubeConfig.getCurrentCluster()?.server).toBe('http://127.0.0.1:2');
  });

  it("then in-cluster, through the library's loadFromCluster", async () => {
    process.env['KUBERNETES_SERVICE_HOST'] = 'fd00::1';
    process.env['KUBERNETES_SERVICE_PORT'] = '443';
    const prefix = await serviceAccountPrefix();
    const found = discoverKubeConfig({ kubeconfig: '', home: null, serviceAccountPrefix: prefix });
    expect(found?.source).toBe('in-cluster');
    expect(found?.kubeConfig.getCurrentCluster()).toMatchObject({
      server: 'https://[fd00::1]:443',
      caFile: `${prefix}/var/run/secrets/kubernetes.io/serviceaccount/ca.crt`,
    });
  });

  it('in a pod whose token is mounted, even without the service host variable: never "no configuration"', async () => {
    delete process.env['KUBERNETES_SERVICE_HOST'];
    expect(discoverKubeConfig({ kubeconfig: undefined, home: null, serviceAccountPrefix: await serviceAccountPrefix() })?.source).toBe('in-cluster');
  });

  it('null only when no configuration exists at all', () => {
    delete process.env['KUBERNETES_SERVICE_HOST'];
    expect(discoverKubeConfig({ kubeconfig: undefined, home: null, serviceAccountPrefix: join(dir, 'nothing-here') })).toBeNull();
    expect(discoverKubeConfig({ kubeconfig: '', home: dir, serviceAccountPrefix: join(dir, 'nothing-here') })).toBeNull();
  });
});

describe('waitForApiServer', () => {
  it('waits for an API server that does not answer yet, logging each attempt, and resolves once it answers', async () => {
    // A proxy that swallows connections until opened, then forwards to the fake API server.
    let open = false;
    const target = new URL(api.url);
    const held = new Set<Socket>();
    const proxy = createNetServer((socket) => {
      held.add(socket);
      if (!open) return; // black hole: accepted, never answered
      const upstream = connect(Number(target.port), target.hostname);
      socket.pipe(upstream).pipe(socket);
      socket.on('error', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
    });
    const { url: proxyUrl } = await listenOnLoopback(proxy);
    const path = join(dir, 'late');
    await writeFile(path, kubeconfigFor(proxyUrl));
    const found = discoverKubeConfig({ kubeconfig: path });
    if (found === null) throw new Error('no config');
    const logger = createCapturingLogger();
    let done = false;
    const waiting = waitForApiServer(found.kubeConfig, {
      source: found.source,
      logger,
      clock: systemClock,
      probeTimeoutMs: 200,
      backoff: { baseDelayMs: 50, maxDelayMs: 100 },
    }).then(() => (done = true));
    await waitFor(() => logger.records.filter((l) => l.message.includes('does not answer')).length >= 2, 5000, 'two attempts logged');
    expect(done).toBe(false);
    open = true;
    await waiting;
    expect(logger.records.find((l) => l.message.includes('does not answer'))).toMatchObject({ level: 'warn', fields: { source: 'KUBECONFIG' } });
    for (const socket of held) socket.destroy();
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
  });
});

describe('probeCluster', () => {
  it('is true when an API server answers', async () => {
    expect(await probeCluster(api.kubeConfig(), 2000)).toBe(true);
  });

  it('is false when nothing listens', async () => {
    const closed = createServer();
    const { port } = await listenOnLoopback(closed);
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const path = join(dir, 'closed');
    await writeFile(path, kubeconfigFor(`http://127.0.0.1:${port}`));
    const kc = discoverKubeConfig({ kubeconfig: path })?.kubeConfig;
    if (kc === undefined) throw new Error('no config');
    expect(await probeCluster(kc, 2000)).toBe(false);
  });

  it('is false within the timeout when the server never answers', async () => {
    const path = join(dir, 'silent');
    await writeFile(path, kubeconfigFor(`http://127.0.0.1:${(silent.address() as AddressInfo).port}`));
    const kc = discoverKubeConfig({ kubeconfig: path })?.kubeConfig;
    if (kc === undefined) throw new Error('no config');
    const started = Date.now();
    expect(await probeCluster(kc, 300)).toBe(false);
    expect(Date.now() - started).toBeLessThan(1500);
  });
});
