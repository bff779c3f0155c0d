import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONTROLLER_SA, startFakeKubeApi, type FakeKubeApi } from '../fake-kube-api/index.js';
import { waitFor } from '../support/wait.js';
import { freePort } from '../support/free-port.js';
import { listenOnLoopback } from '../support/listen.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The environment of a machine without any cluster configuration (no KUBECONFIG, empty home, not in a pod). */
function bareEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '', HOME: mkdtempSync(join(tmpdir(), 'ipshift-home-')) };
  delete env['KUBECONFIG'];
  delete env['KUBERNETES_SERVICE_HOST'];
  delete env['KUBERNETES_SERVICE_PORT'];
  delete env['IPSHIFT_SANDBOX'];
  return { ...env, ...extra };
}

function startController(env: NodeJS.ProcessEnv): { child: ChildProcessWithoutNullStreams; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'controller'], { cwd: root, env, stdio: 'pipe' });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

const status = (url: string): Promise<number> =>
  fetch(url).then(
    (r) => r.status,
    () => 0,
  );

/** Forwards to the fake API server once opened; until then accepts connections and never answers. */
async function blackHoleProxy(api: FakeKubeApi): Promise<{ server: Server; url: string; open(): void; close(): Promise<void> }> {
  let open = false;
  const target = new URL(api.url);
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (!open) return;
    const upstream = connect(Number(target.port), target.hostname);
    upstream.on('error', () => socket.destroy());
    socket.pipe(upstream).pipe(socket);
  });
  const { port } = await listenOnLoopback(server);
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    open: () => {
      open = true;
      // Connections accepted while closed stay silent: drop them so the client reconnects.
      for (const s of sockets) s.destroy();
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('ipshift controller start-up', () => {
  it('with a KUBECONFIG whose API server does not answer: no sandbox, alive but not Ready, says why, and starts once it answers', async () => {
    const api = await startFakeKubeApi();
    const proxy = await blackHoleProxy(api);
    const dir = mkdtempSync(join(tmpdir(), 'ipshift-kubeconfig-'));
    const kubeconfig = join(dir, 'config');
    writeFileSync(kubeconfig, api.kubeConfig('ipshift', CONTROLLER_SA).exportConfig().replace(api.url, proxy.url));
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const { child, output } = startController(
      bareEnv({
        KUBECONFIG: kubeconfig,
        IPSHIFT_PORT: String(port),
        IPSHIFT_BIND: '127.0.0.1',
        IPSHIFT_WEBHOOK_AUTH: 'none',
        IPSHIFT_NAMESPACE: 'ipshift',
        POD_NAME: 'ipshift-0',
      }),
    );
    try {
      await waitFor(() => output().includes('the Kubernetes API server does not answer'), 25_000, 'the API server wait to be logged');
      expect(await status(`${base}/healthz`)).toBe(200);
      expect(await status(`${base}/readyz`)).toBe(503);
      const state = (await (await fetch(`${base}/api/v1/state`)).json()) as { sandbox: boolean };
      expect(state.sandbox).toBe(false);
      expect(output()).not.toContain('SANDBOX');
      proxy.open();
      await waitFor(async () => (await status(`${base}/readyz`)) === 200, 25_000, 'Ready once the API server answers');
      expect(output()).toContain('the Kubernetes API server answers now');
    } catch (error) {
      throw new Error(`${String(error)}\n--- controller output ---\n${output()}`);
    } finally {
      child.kill('SIGKILL');
      await proxy.close();
      await api.stop();
    }
  }, 60_000);

  it('with no cluster configuration at all: the sandbox, and the log says why', async () => {
    const port = await freePort();
    const { child, output } = startController(bareEnv({ IPSHIFT_PORT: String(port), IPSHIFT_LOG_LEVEL: 'info' }));
    try {
      await waitFor(() => output().includes('ipshift SANDBOX'), 25_000, 'the sandbox banner');
      expect(output()).toContain('no cluster configuration');
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);
});
