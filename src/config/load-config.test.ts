import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, settingsTable, webhookAuthProblem } from './load-config.js';
import { Secret } from './secret.js';
import { inspect } from 'node:util';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('gives the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 8080, webhookAuth: 'required', webhookBodyLimitBytes: 1048576, leaseDurationSeconds: 5, sandbox: false });
    expect(config.webhookToken).toBeUndefined();
  });

  it.each<{ desc: string; env: Record<string, string>; problem: string }>([
    { desc: 'port not a number', env: { IPSHIFT_PORT: 'http' }, problem: 'IPSHIFT_PORT="http": must be a whole number from 1 to 65535' },
    { desc: 'port out of range', env: { IPSHIFT_PORT: '70000' }, problem: 'IPSHIFT_PORT="70000": must be a whole number from 1 to 65535' },
    { desc: 'bad enum', env: { IPSHIFT_WEBHOOK_AUTH: 'maybe' }, problem: 'IPSHIFT_WEBHOOK_AUTH="maybe": must be one of required, none' },
    {
      desc: 'bad URL',
      env: { IPSHIFT_ALERTMANAGER_URL: 'alertmanager:9093' },
      problem: 'IPSHIFT_ALERTMANAGER_URL="alertmanager:9093": must be an http:// or https:// URL',
    },
    { desc: 'bad bool', env: { IPSHIFT_SANDBOX: 'perhaps' }, problem: 'IPSHIFT_SANDBOX="perhaps": must be 1/0, true/false, yes/no or on/off' },
    {
      desc: 'bad cron',
      env: { IPSHIFT_NODE_RESYNC_SCHEDULE: 'often' },
      problem: 'IPSHIFT_NODE_RESYNC_SCHEDULE="often": must be a cron expression with 5 or 6 fields (seconds first when 6)',
    },
    {
      desc: 'lease timings',
      env: { IPSHIFT_LEASE_RENEW_DEADLINE_SECONDS: '20' },
      problem: 'IPSHIFT_LEASE_RENEW_DEADLINE_SECONDS=20: must be less than IPSHIFT_LEASE_DURATION_SECONDS (5)',
    },
    {
      desc: 'bind address not an IP',
      env: { IPSHIFT_BIND: 'not-an-ip' },
      problem: 'IPSHIFT_BIND="not-an-ip": must be an IPv4 or IPv6 address of this machine, e.g. 0.0.0.0, 127.0.0.1 or ::',
    },
    {
      desc: 'alert policy file missing',
      env: { IPSHIFT_ALERT_POLICY_FILE: '/nonexistent/policy.yaml' },
      problem: 'IPSHIFT_ALERT_POLICY_FILE="/nonexistent/policy.yaml": must be a valid alert policy: cannot be read (ENOENT)',
    },
    {
      desc: 'two sources for the webhook token',
      env: { IPSHIFT_WEBHOOK_TOKEN: 'tok', IPSHIFT_WEBHOOK_TOKEN_FILE: '/etc/ipshift/webhook/token' },
      problem: 'IPSHIFT_WEBHOOK_TOKEN_FILE="/etc/ipshift/webhook/token": must not be set together with IPSHIFT_WEBHOOK_TOKEN (one source for the token)',
    },
    ...['IPSHIFT_WEBHOOK_TOKEN', 'IPSHIFT_WEBHOOK_TOKEN_FILE', 'IPSHIFT_WEBHOOK_BASIC_AUTH'].map((name) => ({
      desc: `IPSHIFT_WEBHOOK_AUTH=none beside ${name}`,
      env: { IPSHIFT_WEBHOOK_AUTH: 'none', [name]: name === 'IPSHIFT_WEBHOOK_BASIC_AUTH' ? 'am:secret' : '/x' },
      problem:
        'IPSHIFT_WEBHOOK_AUTH=none: must not be set together with IPSHIFT_WEBHOOK_TOKEN, IPSHIFT_WEBHOOK_TOKEN_FILE or IPSHIFT_WEBHOOK_BASIC_AUTH (it would silently turn them off)',
    })),
    {
      desc: 'state auth without webhook credentials',
      env: { IPSHIFT_STATE_AUTH: 'webhook', IPSHIFT_WEBHOOK_AUTH: 'none' },
      problem: 'IPSHIFT_STATE_AUTH=webhook: needs webhook credentials, but IPSHIFT_WEBHOOK_AUTH=none',
    },
  ])('names the setting, the value and the rule: $desc', ({ env, problem }) => {
    expect(problemsOf(env)).toEqual([problem]);
  });

  it('reports all problems at once', () => {
    expect(problemsOf({ IPSHIFT_PORT: 'x', IPSHIFT_SANDBOX: 'y', IPSHIFT_LOG_LEVEL: 'loud' })).toHaveLength(3);
  });

  it('never prints a secret value, even when it is invalid', () => {
    const problems = problemsOf({ IPSHIFT_WEBHOOK_BASIC_AUTH: 'hunter2-no-colon' });
    expect(problems).toEqual(['IPSHIFT_WEBHOOK_BASIC_AUTH=<redacted>: must be user:password with both parts non-empty']);
  });

  it('keeps secrets redacted everywhere but reveal()', () => {
    const config = loadConfig({ IPSHIFT_WEBHOOK_TOKEN: 's3cret-token' });
    const token = config.webhookToken as Secret;
    expect(token.reveal()).toBe('s3cret-token');
    expect(`${String(token)} ${JSON.stringify(config)} ${inspect(config)}`).not.toContain('s3cret-token');
  });

  it('reads a YAML file; the environment wins; unknown keys are reported', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipshift-config-'));
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'port: 9000\nlogLevel: debug\nleaseName: from-file\n');
    expect(loadConfig({ IPSHIFT_CONFIG_FILE: file, IPSHIFT_PORT: '9001' })).toMatchObject({ port: 9001, logLevel: 'debug', leaseName: 'from-file' });
    writeFileSync(file, 'prot: 9000\n');
    expect(problemsOf({ IPSHIFT_CONFIG_FILE: file })).toEqual([`${file}: prot: is not a setting ipshift knows`]);
  });

  it('refuses an open webhook outside the sandbox unless told so', () => {
    expect(webhookAuthProblem(loadConfig({}), false)).toMatch(/IPSHIFT_WEBHOOK_TOKEN.*IPSHIFT_WEBHOOK_AUTH=none/);
    expect(webhookAuthProblem(loadConfig({}), true)).toBeNull();
    expect(webhookAuthProblem(loadConfig({ IPSHIFT_WEBHOOK_AUTH: 'none' }), false)).toBeNull();
    expect(webhookAuthProblem(loadConfig({ IPSHIFT_WEBHOOK_TOKEN: 't' }), false)).toBeNull();
  });

  it('renders the README table from the same settings', () => {
    const table = settingsTable();
    expect(table).toContain('| `IPSHIFT_PORT` | `port` | 8080 |');
    expect(table).toContain('(secret)');
  });
});
