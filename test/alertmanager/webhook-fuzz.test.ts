import express from 'express';
import { Agent, request } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Secret } from '../../src/config/secret.js';
import { silentLogger } from '../../src/ports/logger.js';
import { seededRandom } from '../support/node-facts.js';
import { FIXTURE_NAMES, fixtureText, makeStore, serveWebhook } from './helpers.js';

/**
 * 10,000 seeded mutations of the captured Alertmanager payloads, sent over loopback to the
 * real router: none may crash the process or get a 5xx. Same seed, same run.
 */

const SEED = 20261122;
const RUNS = 10_000;
const CONCURRENCY = 8;
const TOKEN = 'fuzz-token';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function deepArray(depth: number): Json {
  let value: Json = [];
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

/** A generator of hostile JSON values. */
function valueMaker(random: () => number): () => Json {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const strings = [
    '',
    '4',
    'firing',
    'resolved',
    '0001-01-01T00:00:00Z',
    '2026-99-99T99:99:99Z',
    '2026-11-22T10:55:38.006494673Z',
    '__proto__',
    'constructor',
    '\u0000',
    '💥'.repeat(50),
    'x'.repeat(5000),
    '[::1]:9100',
    'node-1',
  ];
  return () =>
    pick<() => Json>([
      () => null,
      () => true,
      () => 0,
      () => -1,
      () => 1.5,
      () => 1e308,
      () => -1e308,
      () => 2 ** 53 + 1,
      () => Math.floor(random() * 1000),
      () => pick(strings),
      () => [],
      () => ({}),
      () => ({ __proto__: { polluted: 'yes' }, constructor: { prototype: 'x' } }) as unknown as Json,
      () => deepArray(50),
      () => Array.from({ length: 20 }, () => pick(strings)),
      () => ({ [pick(strings)]: pick(strings) }),
    ])();
}

/** Every container in the document, so a mutation can hit any depth. */
function containers(root: Json): Array<Json[] | { [key: string]: Json }> {
  const out: Array<Json[] | { [key: string]: Json }> = [];
  const stack: Json[] = [root];
  while (stack.length > 0 && out.length < 500) {
    const value = stack.pop();
    if (value === null || typeof value !== 'object') continue;
    out.push(value);
    for (const child of Array.isArray(value) ? value : Object.values(value)) stack.push(child);
  }
  return out;
}

function mutate(text: string, random: () => number, mutateValue: () => Json): string | Buffer {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const doc = JSON.parse(text) as Json;
  const structural = 1 + Math.floor(random() * 3);
  for (let i = 0; i < structural; i++) {
    const target = pick(containers(doc));
    const keys: Array<string | number> = Array.isArray(target) ? target.map((_, index) => index) : Object.keys(target);
    const op = Math.floor(random() * 5);
    if (op === 0 && keys.length > 0) {
      const key = pick(keys);
      if (Array.isArray(target)) target.splice(Number(key), 1);
      else delete target[String(key)];
    } else if (op === 1 && keys.length > 0) {
      const key = pick(keys);
      if (Array.isArray(target)) target[Number(key)] = mutateValue();
      else target[String(key)] = mutateValue();
    } else if (op === 2) {
      if (Array.isArray(target)) target.push(target.length > 0 ? structuredClone(pick(target)) : mutateValue());
      else target[pick(['extra', '__proto__', 'constructor', 'notification_reason', 'routeLabels', 'status', 'version'])] = mutateValue();
    } else if (op === 3 && Array.isArray(target) && target.length > 0) {
      const item = target[0];
      for (let n = Math.floor(random() * 50); n > 0; n--) target.push(structuredClone(item as Json));
    }
    // op 4: leave this container alone (keeps some payloads valid).
  }
  let out = JSON.stringify(doc);
  const textual = random();
  if (textual < 0.08) out = out.slice(0, Math.floor(random() * out.length));
  else if (textual < 0.16) {
    const at = Math.floor(random() * out.length);
    out = out.slice(0, at) + pick(['"', '{', ']', ',', '\\', '\u0000', 'null', '\ud800']) + out.slice(at + 1);
  } else if (textual < 0.2) {
    const bytes = Buffer.from(out, 'utf8');
    const at = Math.floor(random() * bytes.length);
    return Buffer.concat([bytes.subarray(0, at), Buffer.from([0xff, 0xfe, 0xc3]), bytes.subarray(at)]);
  } else if (textual < 0.22) out = `\ufeff${out}`;
  else if (textual < 0.23) {
    // Nesting far deeper than any payload: the parser must fail cleanly, not blow the stack.
    const depth = 20_000 + Math.floor(random() * 100_000);
    out = out.replace('"groupKey":', `"deep":${'['.repeat(depth)}${']'.repeat(depth)},"groupKey":`);
  }
  return out;
}

it(`${RUNS} mutated payloads never crash the webhook nor get a 5xx`, async () => {
  const random = seededRandom(SEED);
  const values = valueMaker(random);
  const seeds = FIXTURE_NAMES.map((name) => fixtureText(name));
  const bodies = Array.from({ length: RUNS }, () => mutate(seeds[Math.floor(random() * seeds.length)] as string, random, values));
  const kit = makeStore();
  // Mounted as the composition root mounts it: in front of an express app.
  const server = await serveWebhook(
    { auth: { bearerToken: new Secret(TOKEN) }, store: kit.store, clock: kit.clock, logger: silentLogger, metrics: kit.metrics, requestSync: () => undefined },
    express(),
  );
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const url = new URL(`${server.url}/webhook/alertmanager`);
  const codes = new Map<number, number>();
  const failures: string[] = [];
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < RUNS) {
          const index = next++;
          const body = bodies[index] as string | Buffer;
          const { code } = await post(agent, url, body);
          codes.set(code, (codes.get(code) ?? 0) + 1);
          if (code >= 500 || ![200, 400, 413].includes(code)) failures.push(`#${index} → ${code}: ${body.toString().slice(0, 200)}`);
        }
      }),
    );
  } finally {
    agent.destroy();
    kit.store.stop();
    await server.close();
  }
  expect(failures).toEqual([]);
  // The mutations reach both sides of validation, or the fuzz would prove little.
  expect(codes.get(200) ?? 0).toBeGreaterThan(RUNS * 0.05);
  expect(codes.get(400) ?? 0).toBeGreaterThan(RUNS * 0.05);
  expect([...codes.values()].reduce((a, b) => a + b, 0)).toBe(RUNS);
  // What was recorded is well-formed.
  for (const alert of kit.store.active(kit.clock.now())) {
    expect(typeof alert.fingerprint).toBe('string');
    expect(Number.isFinite(alert.startsAt)).toBe(true);
    expect(Object.values(alert.labels).every((value) => typeof value === 'string')).toBe(true);
  }
  expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
}, 90_000);

/** A full collection, so what is measured is what is kept, not garbage waiting for the collector. */
function collect(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

it('oversized values are refused with 400 naming the limit and leave nothing behind (memory measured)', async () => {
  const kit = makeStore();
  const server = await serveWebhook(
    { auth: { bearerToken: new Secret(TOKEN) }, store: kit.store, clock: kit.clock, logger: silentLogger, metrics: kit.metrics },
    express(),
  );
  const url = new URL(`${server.url}/webhook/alertmanager`);
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const seed = JSON.parse(fixtureText('firing')) as { alerts: Array<Record<string, unknown>> };
  const withAlert = (i: number, patch: Record<string, unknown>): string =>
    JSON.stringify({ ...seed, alerts: [{ ...seed.alerts[0], fingerprint: `f${i}`, ...patch }] });
  const MB = 1000 * 1000;
  // The attacks of the audit: distinct 1 MB startsAt values (once kept by a timestamp memo), and
  // alerts with 1 MB annotations or labels (once kept by the alert view).
  // Built as sent, so the only large allocations are the ones the server makes.
  const attacks: Array<() => string> = [
    ...Array.from({ length: 150 }, (_, i) => () => withAlert(i, { startsAt: `${i}`.padEnd(MB, 'x') })),
    ...Array.from({ length: 100 }, (_, i) => () => withAlert(1000 + i, { annotations: { description: `${i}`.padEnd(MB, 'x') } })),
    ...Array.from({ length: 50 }, (_, i) => () => withAlert(2000 + i, { labels: { alertname: 'A', node: `${i}`.padEnd(MB / 2, 'x') } })),
  ];
  try {
    collect();
    const before = process.memoryUsage();
    const answers = new Map<string, number>();
    for (let i = 0; i < attacks.length; i += 4) {
      const batch = attacks.slice(i, i + 4);
      const replies = await Promise.all(batch.map((body) => post(agent, url, body())));
      for (const reply of replies) {
        const key = `${reply.code} ${reply.error.replace(/, got ".*$/, '')}`;
        answers.set(key, (answers.get(key) ?? 0) + 1);
      }
    }
    collect();
    const after = process.memoryUsage();
    const retainedMiB = (after.heapUsed + after.external - before.heapUsed - before.external) / 2 ** 20;
    process.stdout.write(
      `byte bounds: ${attacks.length} oversized payloads; heap+external retained ${retainedMiB.toFixed(1)} MiB; RSS ${(before.rss / 2 ** 20).toFixed(0)} → ${(after.rss / 2 ** 20).toFixed(0)} MiB\n`,
    );
    expect(Object.fromEntries(answers)).toEqual({
      '400 invalid payload: alerts[0].annotations.description: annotation value longer than the limit of 8192 bytes': 100,
      '400 invalid payload: alerts[0].labels.node: label value longer than the limit of 1024 bytes': 50,
      '400 invalid payload: alerts[0].startsAt: must be an RFC 3339 timestamp': 150,
    });
    expect(kit.store.active(kit.clock.now())).toEqual([]);
    // 300 MB were sent; what stays is noise (the 135 MB and 237 MB of the audit would fail this).
    expect(retainedMiB).toBeLessThan(20);
  } finally {
    agent.destroy();
    kit.store.stop();
    await server.close();
  }
}, 90_000);

/** One POST with the token; the status code and the error the answer names (its text when not JSON). */
function post(agent: Agent, url: URL, body: string | Buffer): Promise<{ code: number; error: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      agent,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, 'content-length': Buffer.byteLength(body) },
    });
    req.setTimeout(10_000, () => req.destroy(new Error('request timed out')));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let error = text;
        try {
          error = String((JSON.parse(text) as { error?: unknown }).error);
        } catch {
          // not JSON: keep the text
        }
        resolve({ code: res.statusCode ?? 0, error });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}
