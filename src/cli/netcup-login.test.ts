import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Secret } from '../config/secret.js';
import { startNetcupEmulator } from '../emulators/netcup/netcup-emulator.js';
import { startOidcHarness, type OidcHarness } from '../../test/oidc/oidc-provider-harness.js';
import { refreshTokenFrom, runLoginAgainst } from '../../test/oidc/device-login.js';
import { runNetcupLogin } from './netcup-login.js';

describe('ipshift netcup-login', () => {
  let harness: OidcHarness;

  beforeAll(async () => {
    harness = await startOidcHarness({ rotateRefreshToken: false });
  });
  afterAll(async () => {
    await harness.close();
  });

  it('runs the device flow end to end and prints a kubectl command that reads the token from a private file', async () => {
    const run = await runLoginAgainst(harness, ['--secret-name', 'netcup', '--namespace', 'prod']);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/Open http:\/\/127\.0\.0\.1:\d+\/device\?user_code=\S+/);
    expect(run.stdout).toMatch(
      new RegExp(`^kubectl create secret generic netcup --namespace prod --from-file=refreshToken=\\S+ --from-literal=userId=${harness.userId}\\n$`),
    );
    // The token is in the file, readable by its owner only, and on neither stream.
    const token = refreshTokenFrom(run.stdout);
    const file = /--from-file=refreshToken=(\S+)/.exec(run.stdout)?.[1] as string;
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(token.length).toBeGreaterThan(20);
    expect(run.stdout).not.toContain(token);
    expect(run.stderr).not.toContain(token);
    rmSync(dirname(file), { recursive: true, force: true });
    // RFC 8628: no interval in oidc-provider's answer means 5 s between polls.
    expect(run.sleeps.every((ms) => ms === 5000)).toBe(true);
    // The printed token is a live offline token.
    const response = await fetch(`${harness.issuerUrl}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', client_id: 'scp', refresh_token: token }),
    });
    expect(response.status).toBe(200);
  });

  it('--token-file names the file, and an existing file is never overwritten', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipshift-login-test-'));
    try {
      const file = join(dir, 'token');
      const run = await runLoginAgainst(harness, ['--token-file', file]);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`--from-file=refreshToken=${file}`);
      const again = await runLoginAgainst(harness, ['--token-file', file]);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain(`cannot write the token file ${file} (EEXIST)`);
      expect(readFileSync(file, 'utf8')).toBe(refreshTokenFrom(run.stdout));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('waits 5 s longer after every slow_down', async () => {
    let slowDowns = 2;
    const fetchWithSlowDown: typeof fetch = async (input, init) => {
      const body = typeof init?.body === 'string' ? init.body : init?.body instanceof URLSearchParams ? init.body.toString() : '';
      if (body.includes('device_code') && body.includes('grant_type') && slowDowns > 0) {
        slowDowns -= 1;
        return new Response(JSON.stringify({ error: 'slow_down' }), { status: 400, headers: { 'content-type': 'application/json' } });
      }
      return fetch(input, init);
    };
    const run = await runLoginAgainst(harness, [], fetchWithSlowDown);
    expect(run.code).toBe(0);
    expect(run.sleeps.slice(0, 3)).toEqual([5000, 10000, 15000]);
  });

  it('writes the Secret itself with --apply', async () => {
    const written: Array<{ namespace: string; name: string; values: Record<string, Secret> }> = [];
    let approval: Promise<void> | undefined;
    let stdout = '';
    const code = await runNetcupLogin(['--issuer', harness.issuerUrl, '--apply', '--namespace', 'ops'], {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: () => true },
      openUrl: (url) => {
        approval = harness.approveDevice(url);
      },
      sleep: async () => {
        await approval;
      },
      applySecret: (namespace, name, values) => {
        written.push({ namespace, name, values });
        return Promise.resolve();
      },
    });
    expect(code).toBe(0);
    expect(stdout).toBe('');
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({ namespace: 'ops', name: 'netcup-credentials' });
    expect(written[0]?.values['userId']?.reveal()).toBe(String(harness.userId));
    expect(written[0]?.values['refreshToken']?.reveal().length).toBeGreaterThan(20);
  });

  it('reads the user id from userinfo when the access token is opaque', async () => {
    const opaque = await startOidcHarness({ rotateRefreshToken: false, accessTokenFormat: 'opaque', userId: 777 });
    try {
      const run = await runLoginAgainst(opaque);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('--from-literal=userId=777');
    } finally {
      await opaque.close();
    }
  });

  it('logs in against the emulator’s built-in issuer (the sandbox)', async () => {
    const emulator = await startNetcupEmulator({ deviceIntervalSeconds: 1 });
    try {
      let stdout = '';
      const sleeps: number[] = [];
      const code = await runNetcupLogin(['--issuer', emulator.issuerUrl], {
        stdout: { write: (text: string) => (stdout += text) },
        stderr: { write: () => true },
        openUrl: async (url) => {
          await fetch(url);
        },
        sleep: (ms) => {
          sleeps.push(ms);
          return Promise.resolve();
        },
      });
      expect(code).toBe(0);
      expect(sleeps).toEqual([1000]);
      expect(stdout).toContain(`--from-literal=userId=${emulator.userId}`);
    } finally {
      await emulator.close();
    }
  });

  it('refuses bad usage with exit code 2', async () => {
    let stderr = '';
    const io = { stdout: { write: () => true }, stderr: { write: (text: string) => (stderr += text) } };
    expect(await runNetcupLogin(['--bogus'], io)).toBe(2);
    expect(await runNetcupLogin(['--apply', '--issuer', harness.issuerUrl], io)).toBe(2);
    expect(stderr).toContain('--apply needs access to a cluster');
  });
});
