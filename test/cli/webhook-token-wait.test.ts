import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONTROLLER_SA, startFakeKubeApi } from '../fake-kube-api/index.js';
import { freePort } from '../support/free-port.js';
import { sleep } from '../support/controller-harness.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** GETs until `ok(status)` or the deadline; returns the last status and body (0 = no answer). */
async function poll(url: string, ok: (status: number) => boolean, ms: number): Promise<{ status: number; body: string }> {
  const deadline = Date.now() + ms;
  let last = { status: 0, body: '' };
  while (Date.now() < deadline) {
    last = await fetch(url).then(
      async (r) => ({ status: r.status, body: await r.text() }),
      () => ({ status: 0, body: '' }),
    );
    if (ok(last.status)) return last;
    await sleep(200);
  }
  return last;
}

/**
 * The README's install order, literally: `kubectl apply -k deploy/` starts the controller before
 * `kubectl create secret ... ipshift-webhook`. The Deployment mounts that Secret optional at
 * IPSHIFT_WEBHOOK_TOKEN_FILE; the real CLI against a (fake) cluster must wait for it alive and
 * not Ready, say so once, and serve with the token as soon as the file appears.
 */
describe('ipshift controller before its webhook Secret exists', () => {
  it('waits alive and not Ready with one log line, then serves with the token from the file', async () => {
    const api = await startFakeKubeApi();
    const dir = mkdtempSync(join(tmpdir(), 'ipshift-token-wait-'));
    const port = await freePort();
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, api.kubeConfig('ipshift', CONTROLLER_SA).exportConfig());
    const tokenFile = join(dir, 'webhook', 'token');
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'controller'], {
      cwd: root,
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        KUBECONFIG: kubeconfig,
        IPSHIFT_SANDBOX: '',
        IPSHIFT_PORT: String(port),
        IPSHIFT_BIND: '127.0.0.1',
        IPSHIFT_WEBHOOK_TOKEN_FILE: tokenFile,
        IPSHIFT_NODE_PROBE_PORT: '0',
        IPSHIFT_LOG_FORMAT: 'text',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const base = `http://127.0.0.1:${port}`;
    try {
      expect((await poll(`${base}/healthz`, (s) => s === 200, 20_000)).status).toBe(200);
      const notReady = await poll(`${base}/readyz`, (s) => s !== 0, 5_000);
      expect(notReady.status).toBe(503);
      expect(notReady.body).toContain('IPSHIFT_WEBHOOK_TOKEN_FILE');
      // A few poll rounds later: still alive, still one line about it, no stack trace.
      await sleep(4_500);
      expect(child.exitCode).toBeNull();
      expect(output.split('\n').filter((line) => line.includes('waiting for the webhook token'))).toHaveLength(1);
      expect(output).toContain('kubectl -n <namespace> create secret generic ipshift-webhook');

      mkdirSync(join(dir, 'webhook'));
      writeFileSync(tokenFile, 's3cret-token-from-the-secret\n');
      expect((await poll(`${base}/readyz`, (s) => s === 200, 30_000)).status).toBe(200);
      const payload = JSON.stringify({ version: '4', status: 'firing', receiver: 'ipshift', groupKey: 'k', truncatedAlerts: 0, alerts: [] });
      const post = (headers: Record<string, string>): Promise<number> =>
        fetch(`${base}/webhook/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: payload }).then(
          (r) => r.status,
        );
      expect(await post({})).toBe(401);
      expect(await post({ authorization: 'Bearer some-other-token' })).toBe(401);
      // Past authentication (a replica not yet leader may answer 503 so Alertmanager retries).
      expect(await post({ authorization: 'Bearer s3cret-token-from-the-secret' })).not.toBe(401);
      expect(output).not.toContain('s3cret-token-from-the-secret');
      expect(output).not.toMatch(/\n\s+at /);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await api.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
