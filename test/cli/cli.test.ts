import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONTROLLER_SA, startFakeKubeApi, type FakeKubeApi } from '../fake-kube-api/index.js';
import { listenOnLoopback } from '../support/listen.js';

/**
 * The real `ipshift` CLI (src/cli/main.ts through tsx), as a user runs it: help and version
 * answer without starting anything, wrong flags are refused, and a bad setting or a busy port
 * gives one clear message naming the setting, never a stack trace.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

interface Result {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI with a clean environment (no NODE_NAME, no cluster unless `env` names one). */
function ipshift(args: string[], env: Record<string, string> = {}): Promise<Result> {
  const base: Record<string, string> = { PATH: process.env['PATH'] ?? '', HOME: mkdtempSync(join(tmpdir(), 'ipshift-cli-home-')) };
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: root,
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // A command that should answer and exit but starts a service instead is killed here and fails the test.
  const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
  return new Promise((resolve) =>
    child.on('exit', (status) => {
      clearTimeout(timer);
      rmSync(base['HOME'] ?? '', { recursive: true, force: true });
      resolve({ status, stdout, stderr });
    }),
  );
}

const STACK = /\n\s+at .+:\d+/;

describe('ipshift help and version', () => {
  let api: FakeKubeApi;
  let kubeconfig: string;
  let dir: string;
  beforeAll(async () => {
    // A cluster that answers: `controller --help` once started the controller against it.
    api = await startFakeKubeApi();
    dir = mkdtempSync(join(tmpdir(), 'ipshift-cli-'));
    kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, api.kubeConfig('ipshift', CONTROLLER_SA).exportConfig());
  });
  afterAll(async () => {
    await api.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([['--help'], ['-h'], ['help']])(
    '`ipshift %s` prints the usage and exits 0',
    async (flag) => {
      const result = await ipshift([flag], { KUBECONFIG: kubeconfig });
      expect(result).toMatchObject({ status: 0, stderr: '' });
      expect(result.stdout).toContain('Usage: ipshift');
      for (const command of ['controller', 'agent', 'netcup-login']) expect(result.stdout).toContain(command);
    },
    30_000,
  );

  it.each([['--version'], ['-v']])(
    '`ipshift %s` prints the package version and exits 0',
    async (flag) => {
      expect(await ipshift([flag])).toEqual({ status: 0, stdout: `ipshift ${version}\n`, stderr: '' });
    },
    30_000,
  );

  it.each([
    ['controller', '--help'],
    ['controller', '-h'],
    ['agent', '--help'],
    ['netcup-login', '--help'],
    ['netcup-login', '-h'],
  ])(
    "`ipshift %s %s` prints that command's usage, exits 0 and starts nothing",
    async (command, flag) => {
      const before = api.requests().length;
      const result = await ipshift([command, flag], { KUBECONFIG: kubeconfig });
      expect(result).toMatchObject({ status: 0, stderr: '' });
      expect(result.stdout).toContain(`Usage: ipshift ${command}`);
      expect(result.stdout).not.toContain('NODE_NAME is required');
      expect(api.requests().length).toBe(before);
    },
    30_000,
  );
});

describe('ipshift refuses what it does not understand', () => {
  it.each([
    [['--bogus'], 'unknown option "--bogus"'],
    [['bogus'], 'unknown command "bogus"'],
    [['controller', '--port', '80'], "Unknown option '--port'"],
    [['agent', '--node', 'x'], "Unknown option '--node'"],
    [['controller', 'extra'], 'extra'],
    [['netcup-login', '--bogus'], "Unknown option '--bogus'"],
  ])(
    '`ipshift %j` exits 2 with a message',
    async (args, message) => {
      const result = await ipshift(args);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain(message);
      expect(result.stderr).not.toMatch(STACK);
    },
    30_000,
  );
});

describe('settings checked at start, with the setting named and no stack trace', () => {
  it('IPSHIFT_BIND=not-an-ip', async () => {
    const result = await ipshift(['controller'], { IPSHIFT_SANDBOX: '1', IPSHIFT_BIND: 'not-an-ip' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('IPSHIFT_BIND="not-an-ip": must be an IPv4 or IPv6 address');
    expect(result.stderr).not.toMatch(STACK);
  }, 30_000);

  it('a busy port names IPSHIFT_PORT and says what to do', async () => {
    const busy: Server = createServer();
    const { port } = await listenOnLoopback(busy);
    try {
      const result = await ipshift(['controller'], { IPSHIFT_SANDBOX: '1', IPSHIFT_BIND: '127.0.0.1', IPSHIFT_PORT: String(port), IPSHIFT_LOG_LEVEL: 'warn' });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`IPSHIFT_PORT=${port} (IPSHIFT_BIND=127.0.0.1): the port is already in use`);
      expect(result.stderr).not.toMatch(STACK);
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  }, 30_000);

  it('a bad alert policy file names IPSHIFT_ALERT_POLICY_FILE and reports a bad regex together with the schema errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipshift-policy-'));
    try {
      const file = join(dir, 'policy.yaml');
      writeFileSync(file, 'rules:\n  - matchRegex: { alertname: "(" }\n    class: down\n  - match: { alertname: X }\n    class: sometimes\n');
      const result = await ipshift(['controller'], { IPSHIFT_SANDBOX: '1', IPSHIFT_ALERT_POLICY_FILE: file, IPSHIFT_PORT: 'eighty' });
      expect(result.status).toBe(2);
      expect(result.stderr).toContain(`IPSHIFT_ALERT_POLICY_FILE=${JSON.stringify(file)}: must be a valid alert policy:`);
      expect(result.stderr).toContain('rules.0.matchRegex.alertname: "(" is not a valid regular expression');
      expect(result.stderr).toContain('rules.1.class');
      // Every problem at once: the policy's and the other settings'.
      expect(result.stderr).toContain('IPSHIFT_PORT="eighty"');
      expect(result.stderr).not.toMatch(STACK);

      const missing = await ipshift(['controller'], { IPSHIFT_SANDBOX: '1', IPSHIFT_ALERT_POLICY_FILE: join(dir, 'nope.yaml') });
      expect(missing.status).toBe(2);
      expect(missing.stderr).toContain(
        `IPSHIFT_ALERT_POLICY_FILE=${JSON.stringify(join(dir, 'nope.yaml'))}: must be a valid alert policy: cannot be read (ENOENT)`,
      );
      expect(missing.stderr).not.toMatch(STACK);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
