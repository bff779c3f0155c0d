/**
 * A real Prometheus (Debian's /usr/bin/prometheus) for tests: 127.0.0.1 on a free port, a fresh
 * TSDB directory, 1 s scrape and evaluation intervals, the given targets and rule files.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../support/free-port.js';

export interface ScrapeTarget {
  readonly job: string;
  /** http://host:port/path of the metrics endpoint. */
  readonly url: string;
  /** Extra target labels, as relabelling would add them (e.g. `node` for the agent). */
  readonly labels?: Readonly<Record<string, string>>;
}

export interface PrometheusOptions {
  readonly targets: readonly ScrapeTarget[];
  readonly ruleFiles?: readonly string[];
  readonly binary?: string;
  /** How long to wait for /-/ready. */
  readonly startTimeoutMs?: number;
}

export interface QueryResult {
  readonly status: 'success' | 'error';
  readonly error?: string;
  readonly data?: { readonly resultType: string; readonly result: ReadonlyArray<{ metric: Record<string, string>; value?: [number, string] }> };
}

export interface RunningPrometheus {
  readonly url: string;
  query(expr: string): Promise<QueryResult>;
  /** Polls `expr` until it returns at least one sample, bounded by `timeoutMs`. */
  waitForData(expr: string, timeoutMs: number): Promise<QueryResult>;
  api<T>(path: string): Promise<T>;
  stop(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function config(options: PrometheusOptions): string {
  return stringify({
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    rule_files: [...(options.ruleFiles ?? [])],
    scrape_configs: options.targets.map((target) => {
      const url = new URL(target.url);
      return {
        job_name: target.job,
        metrics_path: url.pathname,
        scheme: url.protocol.replace(':', ''),
        static_configs: [{ targets: [url.host], labels: { ...target.labels } }],
      };
    }),
  });
}

export async function startPrometheus(options: PrometheusOptions): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'ipshift-prometheus-'));
  writeFileSync(join(dir, 'prometheus.yml'), config(options));
  let lastError = '';
  // A free port can be taken between probing and binding: retry a few times.
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const child = spawn(
      options.binary ?? 'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, `data-${attempt}`)}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-8000);
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let running = true;
    void exited.then(() => {
      running = false;
    });
    const deadline = Date.now() + (options.startTimeoutMs ?? 20_000);
    while (running && Date.now() < deadline) {
      try {
        if ((await fetch(`${url}/-/ready`)).ok) return running ? handle(url, child, exited, dir) : Promise.reject(new Error(stderr));
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    lastError = `prometheus did not become ready (attempt ${attempt + 1}): ${stderr}`;
    await stop(child, exited);
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error(lastError);
}

async function stop(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

function handle(url: string, child: ChildProcess, exited: Promise<number | null>, dir: string): RunningPrometheus {
  const query = async (expr: string): Promise<QueryResult> => {
    const response = await fetch(`${url}/api/v1/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ query: expr }).toString(),
    });
    return (await response.json()) as QueryResult;
  };
  return {
    url,
    query,
    async waitForData(expr, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      let last: QueryResult = await query(expr);
      while ((last.data?.result.length ?? 0) === 0 && Date.now() < deadline) {
        await sleep(200);
        last = await query(expr);
      }
      return last;
    },
    async api<T>(path: string): Promise<T> {
      const response = await fetch(`${url}${path}`);
      return (await response.json()) as T;
    },
    async stop() {
      await stop(child, exited);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
