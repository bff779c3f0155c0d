import { createServer, type Server } from 'node:http';
import { CoreV1Api, CoordinationV1Api, KubeConfig } from '@kubernetes/client-node';
import { makeKubeClient } from './kube-client.js';
import { listenOnLoopback } from '../../test/support/listen.js';

// A bare API server that counts the TCP connections its clients open.
let server: Server;
let connections = 0;
let url = '';

beforeEach(async () => {
  connections = 0;
  server = createServer((req, res) => {
    const body = JSON.stringify({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '1' }, items: [] });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  server.on('connection', () => connections++);
  ({ url } = await listenOnLoopback(server));
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: url, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'token' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

describe('makeKubeClient', () => {
  it('sends every request of every client of one kubeconfig over one connection pool, not a connection per request', async () => {
    const kc = kubeConfig();
    const core = makeKubeClient(kc, CoreV1Api);
    const leases = makeKubeClient(kc, CoordinationV1Api);
    for (let i = 0; i < 20; i++) {
      await core.listNode();
      await leases.listNamespacedLease({ namespace: 'ipshift' });
    }
    // Forty sequential requests: the library alone opened forty connections (a new agent each).
    // The pool may open a second one while the first is being handed back after an answer.
    expect(connections).toBeLessThanOrEqual(2);
  });

  it('opens a new pool for another kubeconfig', async () => {
    await makeKubeClient(kubeConfig(), CoreV1Api).listNode();
    await makeKubeClient(kubeConfig(), CoreV1Api).listNode();
    expect(connections).toBe(2);
  });
});
