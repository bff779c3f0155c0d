import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * Alertmanager's webhook payload, version 4 (notify/webhook in Alertmanager; samples in
 * test/alertmanager/fixtures). Unknown fields pass through: Alertmanager 0.32 added
 * `notification_reason`, 0.34 `routeLabels`, and newer ones may add more.
 */

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** Go's zero time: Alertmanager sends it as `endsAt` while an alert fires. */
const ZERO_TIME_MS = -62_135_596_800_000; // 0001-01-01T00:00:00Z
/** Date.UTC reads years 0–99 as 1900–1999; shifting by a whole 400-year cycle (146,097 days) avoids that. */
const FOUR_CENTURIES_MS = 146_097 * 86_400_000;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Parses an RFC 3339 timestamp (any fraction length, e.g. Go's nanoseconds, cut to ms) to ms
 * since the epoch; undefined when malformed or out of range. Hand-rolled: Date.parse takes a
 * slow path on nine-digit fractions, and this runs twice per alert.
 */
export function parseRfc3339(value: string): number | undefined {
  // Timestamps repeat a lot (the zero endsAt of every firing alert, a group's shared startsAt,
  // the same alerts re-sent every group_interval): a small bounded memo halves validation time.
  const cached = timestampMemo.get(value);
  if (cached !== undefined || timestampMemo.has(value)) return cached;
  const parsed = parseRfc3339Uncached(value);
  if (timestampMemo.size >= TIMESTAMP_MEMO_SIZE) timestampMemo.clear();
  timestampMemo.set(value, parsed);
  return parsed;
}

const TIMESTAMP_MEMO_SIZE = 4096;
const timestampMemo = new Map<string, number | undefined>();

function parseRfc3339Uncached(value: string): number | undefined {
  if (value.length > 64) return undefined;
  const m = RFC3339.exec(value);
  if (m === null) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return undefined;
  const fraction = m[7];
  const millis = fraction === undefined ? 0 : Number(fraction.slice(0, 3).padEnd(3, '0'));
  let offsetMinutes = 0;
  if (m[8] === undefined) {
    const offsetHours = Number(m[10]);
    const offsetMins = Number(m[11]);
    if (offsetHours > 23 || offsetMins > 59) return undefined;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const utc =
    year < 100
      ? Date.UTC(year + 400, month - 1, day, hour, minute, second, millis) - FOUR_CENTURIES_MS
      : Date.UTC(year, month - 1, day, hour, minute, second, millis);
  return utc - offsetMinutes * 60_000;
}

const timestamp = z.string().transform((value, ctx) => {
  const ms = parseRfc3339(value);
  if (ms === undefined) {
    ctx.issues.push({ code: 'custom', message: `must be an RFC 3339 timestamp, got ${JSON.stringify(value.slice(0, 40))}`, input: value });
    return z.NEVER;
  }
  return ms;
});

const labelSet = z.record(z.string(), z.string());

/** A stable identity when a sender leaves `fingerprint` out (Alertmanager never does): a hash of the sorted label set. */
export function labelFingerprint(labels: Readonly<Record<string, string>>): string {
  const hash = createHash('sha256');
  for (const key of Object.keys(labels).sort()) hash.update(`${key}\u0000${labels[key] ?? ''}\u0000`);
  return hash.digest('hex').slice(0, 16);
}

export const webhookAlertSchema = z
  .looseObject({
    status: z.enum(['firing', 'resolved']),
    labels: labelSet,
    annotations: labelSet.default({}),
    startsAt: timestamp,
    /** Null while firing (Alertmanager sends the zero time then). */
    endsAt: timestamp.optional(),
    generatorURL: z.string().optional(),
    fingerprint: z.string().min(1).max(128).optional(),
  })
  .transform((alert) => ({
    ...alert,
    endsAt: alert.endsAt === undefined || alert.endsAt <= ZERO_TIME_MS ? null : alert.endsAt,
    fingerprint: alert.fingerprint ?? labelFingerprint(alert.labels),
  }));

export const webhookPayloadSchema = z.looseObject({
  version: z.literal('4'),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  alerts: z.array(webhookAlertSchema),
  groupKey: z.string().optional(),
  truncatedAlerts: z.number().int().nonnegative().default(0),
  groupLabels: labelSet.default({}),
  commonLabels: labelSet.default({}),
  commonAnnotations: labelSet.default({}),
  externalURL: z.string().optional(),
});

export type WebhookPayload = z.output<typeof webhookPayloadSchema>;
export type WebhookAlert = z.output<typeof webhookAlertSchema>;

export type PayloadResult = { ok: true; payload: WebhookPayload } | { ok: false; message: string };

type Loose = Record<string, unknown>;

/** A JSON object zod would copy exactly (an own `__proto__` key is left to zod's own handling). */
function isLooseObject(value: unknown): value is Loose {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Object.hasOwn(value, '__proto__');
}

function isStringRecord(value: unknown): value is Record<string, string> {
  if (!isLooseObject(value)) return false;
  for (const key in value) if (typeof value[key] !== 'string') return false;
  return true;
}

function fastAlert(input: unknown): WebhookAlert | undefined {
  if (!isLooseObject(input)) return undefined;
  const { status, labels, annotations, startsAt, endsAt, generatorURL, fingerprint } = input;
  if (status !== 'firing' && status !== 'resolved') return undefined;
  if (!isStringRecord(labels)) return undefined;
  if (annotations !== undefined && !isStringRecord(annotations)) return undefined;
  if (typeof startsAt !== 'string') return undefined;
  const starts = parseRfc3339(startsAt);
  if (starts === undefined) return undefined;
  let ends: number | null = null;
  if (endsAt !== undefined) {
    if (typeof endsAt !== 'string') return undefined;
    const parsed = parseRfc3339(endsAt);
    if (parsed === undefined) return undefined;
    ends = parsed <= ZERO_TIME_MS ? null : parsed;
  }
  if (generatorURL !== undefined && typeof generatorURL !== 'string') return undefined;
  if (fingerprint !== undefined && (typeof fingerprint !== 'string' || fingerprint.length < 1 || fingerprint.length > 128)) return undefined;
  return {
    ...input,
    status,
    labels,
    annotations: annotations ?? {},
    startsAt: starts,
    endsAt: ends,
    fingerprint: fingerprint ?? labelFingerprint(labels),
  } as WebhookAlert;
}

/**
 * The schema above, hand-checked without zod's per-field machinery: zod costs about twice
 * JSON.parse on a 100-alert payload. Returns exactly what the schema would, or undefined when
 * in any doubt (then the schema decides and words the error). The fuzz test checks both agree.
 */
export function fastParseWebhookPayload(body: unknown): WebhookPayload | undefined {
  if (!isLooseObject(body)) return undefined;
  const { version, status, receiver, alerts, groupKey, truncatedAlerts, groupLabels, commonLabels, commonAnnotations, externalURL } = body;
  if (version !== '4' || (status !== 'firing' && status !== 'resolved') || typeof receiver !== 'string' || !Array.isArray(alerts)) return undefined;
  if (groupKey !== undefined && typeof groupKey !== 'string') return undefined;
  if (externalURL !== undefined && typeof externalURL !== 'string') return undefined;
  if (truncatedAlerts !== undefined && !(typeof truncatedAlerts === 'number' && Number.isSafeInteger(truncatedAlerts) && truncatedAlerts >= 0))
    return undefined;
  for (const set of [groupLabels, commonLabels, commonAnnotations]) if (set !== undefined && !isStringRecord(set)) return undefined;
  const parsedAlerts: WebhookAlert[] = new Array<WebhookAlert>(alerts.length);
  for (let i = 0; i < alerts.length; i++) {
    const alert = fastAlert(alerts[i]);
    if (alert === undefined) return undefined;
    parsedAlerts[i] = alert;
  }
  return {
    ...body,
    version,
    status,
    receiver,
    alerts: parsedAlerts,
    truncatedAlerts: truncatedAlerts ?? 0,
    groupLabels: groupLabels ?? {},
    commonLabels: commonLabels ?? {},
    commonAnnotations: commonAnnotations ?? {},
  } as WebhookPayload;
}

const MAX_ISSUES_IN_MESSAGE = 3;

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `${out === '' ? '' : '.'}${String(part)}`;
  return out === '' ? '(root)' : out;
}

/**
 * Validates a parsed JSON body. The message names the first few bad fields, so an operator
 * reading Alertmanager's log (it echoes the response body) can see what is wrong.
 */
export function parseWebhookPayload(body: unknown): PayloadResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, message: 'payload must be a JSON object (Alertmanager webhook, version 4)' };
  }
  const version = (body as { version?: unknown }).version;
  if (version !== '4') {
    const got = version === undefined ? 'none' : JSON.stringify(version).slice(0, 20);
    return { ok: false, message: `unsupported payload version ${got}: ipshift accepts Alertmanager webhook version "4"` };
  }
  const fast = fastParseWebhookPayload(body);
  if (fast !== undefined) return { ok: true, payload: fast };
  const parsed = webhookPayloadSchema.safeParse(body);
  if (parsed.success) return { ok: true, payload: parsed.data };
  const issues = parsed.error.issues;
  const listed = issues.slice(0, MAX_ISSUES_IN_MESSAGE).map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
  const more = issues.length > MAX_ISSUES_IN_MESSAGE ? ` (and ${issues.length - MAX_ISSUES_IN_MESSAGE} more)` : '';
  return { ok: false, message: `invalid payload: ${listed.join('; ')}${more}` };
}
