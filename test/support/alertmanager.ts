import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from './free-port.js';

/**
 * Runs a real Alertmanager (Debian's prometheus-alertmanager) for tests: loopback only,
 * ephemeral port, clustering off, fresh storage in a temp dir, removed on stop().
 */

export const ALERTMANAGER_BINARY_CANDIDATES = ['/usr/bin/prometheus-alertmanager', '/usr/bin/alertmanager', '/usr/local/bin/alertmanager'];

export function alertmanagerBinary(): string | undefined {
  return ALERTMANAGER_BINARY_CANDIDATES.find((path) => existsSync(path));
}

export interface WebhookReceiver {
  readonly name: string;
  readonly url: string;
  readonly bearerToken?: string;
  readonly basic?: { readonly username: string; readonly password: string };
  /** Route alerts whose labels match these (equality) to this receiver. */
  readonly matchers?: Readonly<Record<string, string>>;
  readonly maxAlerts?: number;
}

export interface AlertmanagerConfigOptions {
  readonly receivers: readonly WebhookReceiver[];
  readonly groupBy?: readonly string[];
  /** Short timers by default, so a test sees firing and resolved within seconds. */
  readonly groupWait?: string;
  readonly groupInterval?: string;
  readonly repeatInterval?: string;
}

/** An Alertmanager config: a null default receiver plus one webhook receiver per entry, routed by matchers. */
export function alertmanagerConfig(options: AlertmanagerConfigOptions): string {
  const timers = {
    group_by: options.groupBy ?? ['alertname', 'node'],
    group_wait: options.groupWait ?? '1s',
    group_interval: options.groupInterval ?? '1s',
    repeat_interval: options.repeatInterval ?? '1h',
  };
  return stringify({
    route: {
      receiver: 'null',
      ...timers,
      routes: options.receivers.map((receiver) => ({
        receiver: receiver.name,
        matchers: Object.entries(receiver.matchers ?? {}).map(([name, value]) => `${name}="${value}"`),
        ...timers,
      })),
    },
    receivers: [
      { name: 'null' },
      ...options.receivers.map((receiver) => ({
        name: receiver.name,
        webhook_configs: [
          {
            url: receiver.url,
            send_resolved: true,
            max_alerts: receiver.maxAlerts ?? 0,
            http_config:
              receiver.bearerToken !== undefined
                ? { authorization: { type: 'Bearer', credentials: receiver.bearerToken } }
                : receiver.basic !== undefined
                  ? { basic_auth: { username: receiver.basic.username, password: receiver.basic.password } }
                  : {},
          },
        ],
      })),
    ],
  });
}

export interface PostableAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly startsAt?: string;
  readonly endsAt?: string;
  readonly generatorURL?: string;
}

export interface AlertmanagerInstance {
  readonly url: string;
  /** Everything Alertmanager logged so far (for failure messages). */
  logs(): string;
  postAlerts(alerts: readonly PostableAlert[]): Promise<void>;
  /** GET /api/v2/alerts with the given query. */
  alerts(query?: Record<string, string>): Promise<Array<Record<string, unknown>>>;
  /** Creates a silence for the equality matchers, for `durationMs`. Returns its id. */
  silence(matchers: Readonly<Record<string, string>>, durationMs?: number): Promise<string>;
  stop(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (exited(child)) return;
  const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), 5000);
  });
  const timedOut = await Promise.race([done.then(() => false), timeout]);
  clearTimeout(timer);
  if (timedOut) {
    child.kill('SIGKILL');
    await done;
  }
}

export interface StartAlertmanagerOptions {
  /** YAML text, e.g. from alertmanagerConfig(). */
  readonly config: string;
  readonly binary?: string;
  readonly readyTimeoutMs?: number;
}

/** Starts Alertmanager and resolves once `/-/ready` answers 200. Retries a port clash a few times. */
export async function startAlertmanager(options: StartAlertmanagerOptions): Promise<AlertmanagerInstance> {
  const binary = options.binary ?? alertmanagerBinary();
  if (binary === undefined)
    throw new Error(`Alertmanager not found (looked at ${ALERTMANAGER_BINARY_CANDIDATES.join(', ')}); run npm test's pretest to install it`);
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(binary, options);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function startOnce(binary: string, options: StartAlertmanagerOptions): Promise<AlertmanagerInstance> {
  const dir = await mkdtemp(join(tmpdir(), 'ipshift-am-'));
  const configFile = join(dir, 'alertmanager.yml');
  await writeFile(configFile, options.config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    binary,
    [
      `--config.file=${configFile}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--web.external-url=${url}`,
      '--cluster.listen-address=',
      '--log.level=debug',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-200_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  const cleanup = async (): Promise<void> => {
    await stopProcess(child);
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 15_000);
  let ready = false;
  while (Date.now() < deadline && !exited(child)) {
    try {
      const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) {
        ready = true;
        break;
      }
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  if (!ready) {
    await cleanup();
    throw new Error(`Alertmanager did not become ready on ${url}:\n${output.slice(-4000)}`);
  }

  const api = async (path: string, init?: RequestInit): Promise<Response> => {
    const res = await fetch(`${url}${path}`, { ...init, signal: AbortSignal.timeout(5000) });
    if (!res.ok) throw new Error(`Alertmanager ${init?.method ?? 'GET'} ${path}: HTTP ${res.status} ${await res.text()}`);
    return res;
  };

  return {
    url,
    logs: () => output,
    async postAlerts(alerts) {
      await api('/api/v2/alerts', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
    },
    async alerts(query = {}) {
      const res = await api(`/api/v2/alerts?${new URLSearchParams(query).toString()}`);
      return (await res.json()) as Array<Record<string, unknown>>;
    },
    async silence(matchers, durationMs = 3_600_000) {
      const now = Date.now();
      const res = await api('/api/v2/silences', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          matchers: Object.entries(matchers).map(([name, value]) => ({ name, value, isRegex: false, isEqual: true })),
          startsAt: new Date(now - 1000).toISOString(),
          endsAt: new Date(now + durationMs).toISOString(),
          createdBy: 'ipshift-test',
          comment: 'test silence',
        }),
      });
      return ((await res.json()) as { silenceID: string }).silenceID;
    },
    stop: cleanup,
  };
}
