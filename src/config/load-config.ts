import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { SETTINGS, type Config, type Setting } from './settings.js';
import { errorMessage } from '../errors.js';

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads the optional YAML file named by IPSHIFT_CONFIG_FILE, then the environment (env wins),
 * validates every setting and reports ALL problems at once. Each problem names the setting,
 * the value (never a secret's) and the rule it breaks.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const file = readConfigFile(env['IPSHIFT_CONFIG_FILE'], problems);
  const values: Record<string, unknown> = {};
  for (const [name, setting] of Object.entries(SETTINGS) as Array<[string, Setting<unknown>]>) {
    const fromEnv = env[setting.env];
    const fromFile = file[setting.key];
    const source = fromEnv !== undefined ? setting.env : `${env['IPSHIFT_CONFIG_FILE'] ?? ''}: ${setting.key}`;
    const raw = fromEnv ?? (fromFile === undefined || fromFile === null ? undefined : String(fromFile));
    if (raw === undefined) {
      values[name] = setting.fallback;
      continue;
    }
    const result = setting.parse(raw);
    if ('rule' in result) problems.push(`${source}=${setting.secret === true ? '<redacted>' : JSON.stringify(raw)}: ${result.rule}`);
    else values[name] = result.value === undefined ? setting.fallback : result.value;
  }
  const unknown = Object.keys(file).filter((key) => !Object.values(SETTINGS).some((s) => s.key === key));
  for (const key of unknown) problems.push(`${env['IPSHIFT_CONFIG_FILE'] ?? ''}: ${key}: is not a setting ipshift knows`);
  const config = values as Config;
  problems.push(...crossChecks(config));
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function readConfigFile(path: string | undefined, problems: string[]): Record<string, unknown> {
  if (path === undefined || path === '') return {};
  try {
    const document: unknown = parse(readFileSync(path, 'utf8'));
    if (document === null || document === undefined) return {};
    if (typeof document !== 'object' || Array.isArray(document)) {
      problems.push(`IPSHIFT_CONFIG_FILE=${JSON.stringify(path)}: must hold a YAML mapping of setting keys`);
      return {};
    }
    return document as Record<string, unknown>;
  } catch (error) {
    problems.push(`IPSHIFT_CONFIG_FILE=${JSON.stringify(path)}: cannot be read as YAML (${errorMessage(error).split('\n')[0] ?? ''})`);
    return {};
  }
}

function crossChecks(config: Config): string[] {
  const problems: string[] = [];
  if (config.leaseRenewDeadlineSeconds >= config.leaseDurationSeconds) {
    problems.push(
      `IPSHIFT_LEASE_RENEW_DEADLINE_SECONDS=${config.leaseRenewDeadlineSeconds}: must be less than IPSHIFT_LEASE_DURATION_SECONDS (${config.leaseDurationSeconds})`,
    );
  }
  if (config.leaseRetryPeriodSeconds >= config.leaseRenewDeadlineSeconds) {
    problems.push(
      `IPSHIFT_LEASE_RETRY_PERIOD_SECONDS=${config.leaseRetryPeriodSeconds}: must be less than IPSHIFT_LEASE_RENEW_DEADLINE_SECONDS (${config.leaseRenewDeadlineSeconds})`,
    );
  }
  if (config.webhookAuth === 'none' && (config.webhookToken !== undefined || config.webhookTokenFile !== undefined || config.webhookBasicAuth !== undefined)) {
    problems.push(
      'IPSHIFT_WEBHOOK_AUTH=none: must not be set together with IPSHIFT_WEBHOOK_TOKEN, IPSHIFT_WEBHOOK_TOKEN_FILE or IPSHIFT_WEBHOOK_BASIC_AUTH (it would silently turn them off)',
    );
  }
  if (config.stateAuth === 'webhook' && config.webhookAuth === 'none') {
    problems.push('IPSHIFT_STATE_AUTH=webhook: needs webhook credentials, but IPSHIFT_WEBHOOK_AUTH=none');
  }
  if (config.webhookToken !== undefined && config.webhookTokenFile !== undefined) {
    problems.push(
      `IPSHIFT_WEBHOOK_TOKEN_FILE=${JSON.stringify(config.webhookTokenFile)}: must not be set together with IPSHIFT_WEBHOOK_TOKEN (one source for the token)`,
    );
  }
  return problems;
}

/**
 * Outside the sandbox an open webhook would let anyone steer the IP: refuse to start unless
 * auth is configured or IPSHIFT_WEBHOOK_AUTH=none says so on purpose.
 */
export function webhookAuthProblem(config: Config, sandbox: boolean): string | null {
  if (sandbox || config.webhookAuth === 'none') return null;
  if (config.webhookToken !== undefined || config.webhookTokenFile !== undefined || config.webhookBasicAuth !== undefined) return null;
  return 'IPSHIFT_WEBHOOK_TOKEN, IPSHIFT_WEBHOOK_TOKEN_FILE and IPSHIFT_WEBHOOK_BASIC_AUTH are all unset: the webhook would accept anyone. Set one of them, or IPSHIFT_WEBHOOK_AUTH=none to run without auth on purpose.';
}

/** The README's configuration table, generated from SETTINGS. */
export function settingsTable(): string {
  const rows = Object.values(SETTINGS).map((s) => `| \`${s.env}\` | \`${s.key}\` | ${s.defaultText} | ${s.doc}${s.secret === true ? ' (secret)' : ''} |`);
  return ['| env | file key | default | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
