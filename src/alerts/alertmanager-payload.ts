import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * Alertmanager's webhook payload, version 4 (notify/webhook in Alertmanager; samples in
 * test/alertmanager/fixtures). Unknown fields pass through: Alertmanager 0.32 added
 * `notification_reason`, 0.34 `routeLabels`, and newer ones may add more.
 */

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Go's zero time: Alertmanager sends it as `endsAt` while an alert fires. */
const ZERO_TIME_MS = -62_135_596_800_000; // 0001-01-01T00:00:00Z

/** Parses an RFC 3339 timestamp (any fraction length, e.g. Go's nanoseconds) to ms; undefined when malformed. */
export function parseRfc3339(value: string): number | undefined {
  const match = RFC3339.exec(value);
  if (match === null) return undefined;
  // Date.parse is lenient about formats but handles any fraction length; the regex made it strict.
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
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
  const parsed = webhookPayloadSchema.safeParse(body);
  if (parsed.success) return { ok: true, payload: parsed.data };
  const issues = parsed.error.issues;
  const listed = issues.slice(0, MAX_ISSUES_IN_MESSAGE).map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
  const more = issues.length > MAX_ISSUES_IN_MESSAGE ? ` (and ${issues.length - MAX_ISSUES_IN_MESSAGE} more)` : '';
  return { ok: false, message: `invalid payload: ${listed.join('; ')}${more}` };
}
