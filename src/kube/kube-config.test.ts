import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeKubeApi, type FakeKubeApi } from '../../test/fake-kube-api/index.js';
import { loadKubeConfig, probeCluster } from './kube-config.js';

let api: FakeKubeApi;
let silent: Server;
let dir: string;

beforeAll(async () => {
  api = await startFakeKubeApi();
  // Accepts connections and never answers: a black-holed API server.
  silent = createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
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
    'clusters: [{name: c, cluster: {server: "' + server + '"}}]',
    'users: [{name: u, user: {token: t}}]',
    'contexts: [{name: x, context: {cluster: c, user: u}}]',
    'current-context: x',
  ].join('\n');

describe('loadKubeConfig', () => {
  it('prefers a kubeconfig file', async () => {
    const path = join(dir, 'config');
    await writeFile(path, kubeconfigFor(api.url));
    const kc = loadKubeConfig({ kubeconfigPath: path, inCluster: { host: '10.0.0.1', port: '443' } });
    expect(kc?.getCurrentCluster()?.server).toBe(api.url);
  });

  it('builds the in-cluster config from the service host and port', () => {
    const kc = loadKubeConfig({ inCluster: { host: 'fd00::1', port: '443' }, serviceAccountDir: '/sa' });
    expect(kc?.getCurrentCluster()).toMatchObject({ server: 'https://[fd00::1]:443', caFile: '/sa/ca.crt' });
  });

  it('returns null when no cluster is configured', () => {
    expect(loadKubeConfig({})).toBeNull();
    expect(loadKubeConfig({ kubeconfigPath: '', inCluster: { host: '', port: '' } })).toBeNull();
  });
});

describe('probeCluster', () => {
  it('is true when an API server answers', async () => {
    expect(await probeCluster(api.kubeConfig(), 2000)).toBe(true);
  });

  it('is false when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const path = join(dir, 'closed');
    await writeFile(path, kubeconfigFor(`http://127.0.0.1:${port}`));
    const kc = loadKubeConfig({ kubeconfigPath: path });
    if (kc === null) throw new Error('no config');
    expect(await probeCluster(kc, 2000)).toBe(false);
  });

  it('is false within the timeout when the server never answers', async () => {
    const path = join(dir, 'silent');
    await writeFile(path, kubeconfigFor(`http://127.0.0.1:${(silent.address() as AddressInfo).port}`));
    const kc = loadKubeConfig({ kubeconfigPath: path });
    if (kc === null) throw new Error('no config');
    const started = Date.now();
    expect(await probeCluster(kc, 300)).toBe(false);
    expect(Date.now() - started).toBeLessThan(1500);
  });
});
