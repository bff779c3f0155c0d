import { fixture, FIXTURE_NAMES } from '../../test/alertmanager/helpers.js';
import { seededRandom, shuffled } from '../../test/support/node-facts.js';
import { PAYLOAD_LIMITS, readBoundedSet, SetIssue } from './alertmanager-fields.js';
import { FAST_PATH_ALERT_FIELDS, FAST_PATH_PAYLOAD_FIELDS, fastWebhookPayload } from './alertmanager-payload-fast.js';
import { parseWebhookPayload, webhookAlertSchema, webhookPayloadSchema } from './alertmanager-payload.js';

// The fast path must be the zod schema, only faster: on every body, the same verdict and an
// equal value (keys in the same order). Bodies are generated from a seed, valid ones and ones
// broken in the ways a sender can break them, each going through JSON as a webhook body does.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Random = () => number;

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const chance = (random: Random, p: number): boolean => random() < p;

/** Lengths just inside and outside each byte bound, in one-, two- and three-byte characters (and a four-byte pair). */
function boundaryString(random: Random, limit: number): string {
  const unit = pick(random, ['x', 'é', '€', '💥']);
  const bytes = Buffer.byteLength(unit, 'utf8');
  const around = pick(random, [Math.floor(limit / 3), Math.floor(limit / bytes), Math.floor(limit / bytes) + 1, Math.ceil(limit / 3) + 1, 1, 0]);
  return unit.repeat(around);
}

const TIMESTAMPS = [
  '2026-11-22T10:55:38.006494673Z',
  '2026-11-22T10:55:38Z',
  '2026-11-22T10:55:38.1+01:00',
  '2026-11-22T10:55:38-23:59',
  '2024-02-29T00:00:00Z',
  '2000-02-29T23:59:59.999Z',
  '0001-01-01T00:00:00Z',
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
];
const BAD_TIMESTAMPS: Json[] = [
  '2025-02-29T00:00:00Z',
  '1900-02-29T00:00:00Z',
  '2026-04-31T00:00:00Z',
  '2026-11-22T24:00:00Z',
  '2026-11-22T10:00:00+24:00',
  '2026-11-22T10:00:00+0100',
  '2026-11-22 10:55:38Z',
  '2026-11-22T10:55:38',
  '2026-11-22t10:55:38z',
  '2026-11-22T10:55:38.Z',
  '0001-01-01T00:00:00Z ',
  '',
  17,
  null,
];
const NAMES = ['alertname', 'node', 'instance', 'severity', '__proto__', 'constructor', 'toString', '0', '10', 'é', 'a.b', ''];

/** A key as JSON.parse makes it: `__proto__` too becomes an own key, never the prototype. */
function define(target: Record<string, Json>, key: string, value: Json): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function stringSet(random: Random, limits: typeof PAYLOAD_LIMITS.labels | typeof PAYLOAD_LIMITS.annotations): Record<string, Json> {
  const set: Record<string, Json> = {};
  // At the entry limit (or one past it), the names are unique so the count is what it says.
  if (chance(random, 0.03)) for (let i = limits.entries + pick(random, [0, 1]); i > 0; i--) set[`n${i}`] = 'v';
  const count = Math.floor(random() * 6);
  for (let i = 0; i < count; i++) {
    const name = chance(random, 0.04) ? boundaryString(random, limits.nameBytes) : chance(random, 0.5) ? pick(random, NAMES) : `k${i}`;
    const value = chance(random, 0.05) ? boundaryString(random, limits.valueBytes) : pick(random, ['node-1', 'critical', '10.0.0.1:9100', '', 'ünïcode']);
    define(set, name, value);
  }
  if (chance(random, 0.03)) for (let i = 0; i < 12; i++) set[`big${i}`] = 'v'.repeat(Math.floor(limits.totalBytes / 12));
  return set;
}

function alert(random: Random): Record<string, Json> {
  const out: Record<string, Json> = {};
  const fields: Array<[string, () => Json]> = [
    ['status', () => pick(random, ['firing', 'resolved'])],
    ['labels', () => stringSet(random, PAYLOAD_LIMITS.labels)],
    ['annotations', () => stringSet(random, PAYLOAD_LIMITS.annotations)],
    ['startsAt', () => pick(random, TIMESTAMPS)],
    ['endsAt', () => pick(random, TIMESTAMPS)],
    ['generatorURL', () => (chance(random, 0.2) ? boundaryString(random, PAYLOAD_LIMITS.stringBytes) : 'http://prometheus:9090/graph')],
    ['fingerprint', () => 'f'.repeat(pick(random, [16, 16, 1, 128, 129]))],
    ['notification_reason', () => 'first notification'],
    ['extra', () => ({ nested: [1, 'two', null] })],
    ['__proto__', () => ({ polluted: true })],
  ];
  const required = new Set(['status', 'labels', 'startsAt']);
  // Shuffled, so the output's key order is checked against inputs in every order.
  for (const [key, make] of shuffled(fields, random)) if (required.has(key) || chance(random, 0.7)) define(out, key, make());
  return out;
}

function payload(random: Random): Record<string, Json> {
  const out: Record<string, Json> = {};
  const fields: Array<[string, () => Json]> = [
    ['version', () => '4'],
    ['status', () => pick(random, ['firing', 'resolved'])],
    ['receiver', () => (chance(random, 0.2) ? boundaryString(random, PAYLOAD_LIMITS.stringBytes) : 'ipshift')],
    ['alerts', () => Array.from({ length: Math.floor(random() * 4) }, () => alert(random))],
    ['groupKey', () => '{}:{alertname="KubeNodeNotReady"}'],
    ['truncatedAlerts', () => pick(random, [0, 3, 2 ** 53 - 1])],
    ['groupLabels', () => stringSet(random, PAYLOAD_LIMITS.labels)],
    ['commonLabels', () => stringSet(random, PAYLOAD_LIMITS.labels)],
    ['commonAnnotations', () => stringSet(random, PAYLOAD_LIMITS.annotations)],
    ['externalURL', () => 'http://alertmanager:9093'],
    ['routeLabels', () => ({ team: 'infra' })],
    ['1', () => 'a numeric unknown key'],
    ['__proto__', () => ({ polluted: true })],
  ];
  const required = new Set(['version', 'status', 'receiver', 'alerts']);
  for (const [key, make] of shuffled(fields, random)) if (required.has(key) || chance(random, 0.7)) define(out, key, make());
  return out;
}

const WRONG_VALUES: Json[] = [null, true, 0, -1, 1.5, -0, 2 ** 53, 1e300, '', 'firing', 'pending', '4', [], ['x'], {}, { a: 1 }, ...BAD_TIMESTAMPS];

/** Breaks one thing: a field's value replaced, a field dropped, or an alert replaced. */
function mutate(random: Random, body: Record<string, Json>): void {
  const alerts = Array.isArray(body['alerts']) ? body['alerts'] : [];
  const objects = alerts.filter((item): item is Record<string, Json> => typeof item === 'object' && item !== null && !Array.isArray(item));
  const target = objects.length > 0 && chance(random, 0.6) ? pick(random, objects) : body;
  const keys = target === body ? [...FAST_PATH_PAYLOAD_FIELDS] : [...FAST_PATH_ALERT_FIELDS];
  const key = pick(random, keys);
  const how = random();
  if (how < 0.2) delete target[key];
  else if (how < 0.3 && target !== body) alerts[alerts.indexOf(target)] = pick(random, WRONG_VALUES);
  else if (how < 0.45 && typeof target[key] === 'object' && target[key] !== null && !Array.isArray(target[key])) {
    (target[key] as Record<string, Json>)[pick(random, NAMES)] = pick(random, WRONG_VALUES);
  } else target[key] = pick(random, WRONG_VALUES);
}

/**
 * Keys in order and prototypes, all the way down: toStrictEqual ignores the order and an
 * inherited prototype (a `__proto__` assigned instead of defined), the parsed value must not differ in either.
 */
function keyOrder(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(keyOrder);
  if (typeof value !== 'object' || value === null) return value;
  const prototype = Object.getPrototypeOf(value) === Object.prototype ? 'Object.prototype' : 'another prototype';
  return [prototype, Object.keys(value).map((key) => [key, keyOrder((value as Record<string, unknown>)[key])])];
}

function compare(body: unknown): boolean {
  const fast = fastWebhookPayload(body);
  const zod = webhookPayloadSchema.safeParse(body);
  if ((fast !== undefined) !== zod.success) {
    const zodSays = zod.success ? 'accepts' : `refuses (${JSON.stringify(zod.error.issues.slice(0, 2))})`;
    throw new Error(`fast path ${fast === undefined ? 'refuses' : 'accepts'}, zod ${zodSays}: ${JSON.stringify(body).slice(0, 3000)}`);
  }
  if (zod.success) {
    expect(fast).toStrictEqual(zod.data);
    expect(keyOrder(fast)).toEqual(keyOrder(zod.data));
  }
  return zod.success;
}

const CASES = 3000;

describe('the webhook fast path agrees with the zod schema', () => {
  it('names the same fields as the schema', () => {
    expect([...FAST_PATH_ALERT_FIELDS]).toEqual(Object.keys(webhookAlertSchema.in.shape));
    expect([...FAST_PATH_PAYLOAD_FIELDS]).toEqual(Object.keys(webhookPayloadSchema.shape));
  });

  it.each(FIXTURE_NAMES)('on the captured Alertmanager body %s', (name) => {
    expect(compare(fixture(name))).toBe(true);
  });

  it(`on ${CASES} generated bodies, valid and broken`, () => {
    const random = seededRandom(20261202);
    let accepted = 0;
    for (let i = 0; i < CASES; i++) {
      const body = payload(random);
      const breaks = chance(random, 0.5) ? 1 + Math.floor(random() * 2) : 0;
      for (let b = 0; b < breaks; b++) mutate(random, body);
      if (compare(JSON.parse(JSON.stringify(body)) as unknown)) accepted++;
    }
    // Both verdicts are well represented, or the comparison proves little.
    expect(accepted).toBeGreaterThan(CASES * 0.2);
    expect(accepted).toBeLessThan(CASES * 0.8);
  });

  it('the label set check: its quick yes for plain objects agrees with its full check', () => {
    const random = seededRandom(7);
    let kept = 0;
    for (let i = 0; i < CASES; i++) {
      const [kind, limits] = chance(random, 0.5) ? (['label', PAYLOAD_LIMITS.labels] as const) : (['annotation', PAYLOAD_LIMITS.annotations] as const);
      const set = stringSet(random, limits);
      if (chance(random, 0.2)) define(set, pick(random, NAMES), pick(random, WRONG_VALUES));
      const plain = JSON.parse(JSON.stringify(set)) as unknown;
      // Without Object.prototype the quick path is skipped: the full check decides (and copies).
      const bare = Object.assign(Object.create(null) as object, plain);
      const quick = readBoundedSet(plain, kind, limits);
      const full = readBoundedSet(bare, kind, limits);
      expect(quick instanceof SetIssue).toBe(full instanceof SetIssue);
      if (!(quick instanceof SetIssue)) {
        expect(keyOrder(quick)).toEqual(keyOrder(full));
        kept++;
      }
    }
    expect(kept).toBeGreaterThan(CASES * 0.2);
    expect(kept).toBeLessThan(CASES * 0.95);
  });

  it('parseWebhookPayload answers with the fast value, and with zod words when the fast path refuses', () => {
    const body = fixture('firing');
    const parsed = parseWebhookPayload(body);
    expect(parsed).toEqual({ ok: true, payload: fastWebhookPayload(body) });
    const broken = { ...body, receiver: 7 };
    expect(fastWebhookPayload(broken)).toBeUndefined();
    expect(parseWebhookPayload(broken)).toEqual({ ok: false, message: expect.stringContaining('receiver:') as unknown });
  });
});
