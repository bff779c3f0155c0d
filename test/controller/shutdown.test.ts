import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONTROLLER_SA, startFakeKubeApi } from '../fake-kube-api/index.js';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/free-port.js';
import { sleep } from '../support/controller-harness.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** `ipshift controller` as a process: it starts, serves, and exits cleanly on SIGTERM and SIGINT. */
describe('process lifecycle', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'exits 0 within 10 s on %s',
    async (signal) => {
      const port = await freePort();
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'controller'], {
        cwd: root,
        env: { ...process.env, NODE_OPTIONS: '', IPSHIFT_SANDBOX: '1', IPSHIFT_PORT: String(port), IPSHIFT_LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      try {
        const deadline = Date.now() + 60_000; // a tsx start on a loaded 2-core machine can take half a minute
        let ready = false;
        while (!ready && Date.now() < deadline) {
          ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
            (r) => r.ok,
            () => false,
          );
          if (!ready) await sleep(100);
        }
        expect(ready).toBe(true);
        // Ready comes with the first decision pass; the banner follows once the emulator's routing is read.
        while (!output.includes('ipshift SANDBOX') && Date.now() < deadline) await sleep(50);
        expect(output).toContain('ipshift SANDBOX');
        const sentAt = Date.now();
        child.kill(signal);
        const code = await exited;
        expect(code).toBe(0);
        expect(Date.now() - sentAt).toBeLessThan(10_000);
        expect(output).toContain(`${signal}: shutting down`);
        await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    },
    90_000,
  );
});

describe('start-up refusals', () => {
  it('refuses to start against a cluster with no webhook auth, and says what to set', async () => {
    const api = await startFakeKubeApi();
    try {
      const dir = mkdtempSync(join(tmpdir(), 'ipshift-kubeconfig-'));
      const kubeconfig = join(dir, 'config');
      writeFileSync(kubeconfig, api.kubeConfig('ipshift', CONTROLLER_SA).exportConfig());
      // Not spawnSync: the fake API server lives in this process and must keep answering.
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'controller'], {
        cwd: root,
        env: { ...process.env, NODE_OPTIONS: '', KUBECONFIG: kubeconfig, IPSHIFT_PORT: String(await freePort()), IPSHIFT_SANDBOX: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const result = { stderr: '', status: null as number | null };
      child.stderr.on('data', (chunk: Buffer) => (result.stderr += chunk.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      result.status = await new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      clearTimeout(timer);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain('refusing to start');
      expect(result.stderr).toContain('IPSHIFT_WEBHOOK_AUTH=none');
    } finally {
      await api.stop();
    }
  }, 90_000);

  it('reports every invalid setting at once and exits 2', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'controller'], {
      cwd: root,
      env: { ...process.env, NODE_OPTIONS: '', IPSHIFT_PORT: 'eighty', IPSHIFT_LOG_LEVEL: 'chatty', IPSHIFT_WEBHOOK_TOKEN: 'tok-secret' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('IPSHIFT_PORT="eighty": must be a whole number from 1 to 65535');
    expect(result.stderr).toContain('IPSHIFT_LOG_LEVEL="chatty": must be one of debug, info, warn, error');
    expect(result.stderr).not.toContain('tok-secret');
  }, 90_000);
});
