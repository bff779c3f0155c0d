import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * Alertmanager's webhook payload, version 4 (notify/webhook in Alertmanager; samples in
 * test/alertmanager/fixtures). Unknown fields pass through: Alertmanager 0.32 added
 * `notification_reason`, 0.34 `routeLabels`, and newer ones may add more.
 */

/** Go's zero time: Alertmanager sends it as `endsAt` while an alert fires. */
const ZERO_TIME_MS = -62_135_596_800_000; // 0001-01-01T00:00:00Z

/**
 * An RFC 3339 timestamp (Go's nanosecond fractions included) as ms since the epoch. zod checks
 * the form and the calendar; Date.parse only converts what passed (it is faster than a
 * hand-written parser on the unique strings a payload carries).
 */
export const rfc3339Ms = z.iso
  .datetime({
    offset: true,
    error: (issue) => `must be an RFC 3339 timestamp, got ${JSON.stringify(String(issue.input).slice(0, 40))}`,
  })
  .transform((value) => Date.parse(value));

/**
 * Bounds in bytes (UTF-8) at intake: the body limit alone would let 100 alerts of 10 KiB
 * annotations each, or one 1 MB label, into the alert view, which keeps them for hours. Real
 * alerts are far smaller (kube-prometheus: about 10 labels of a few dozen bytes).
 */
export const PAYLOAD_LIMITS = {
  labels: { nameBytes: 128, valueBytes: 1024, entries: 64, totalBytes: 8 * 1024 },
  annotations: { nameBytes: 128, valueBytes: 8 * 1024, entries: 32, totalBytes: 16 * 1024 },
  /** receiver, groupKey, generatorURL, externalURL, fingerprint. */
  stringBytes: 4 * 1024,
} as const;

interface SetLimits {
  readonly nameBytes: number;
  readonly valueBytes: number;
  readonly entries: number;
  readonly totalBytes: number;
}

/**
 * A string map within `limits`, as one zod step: zod's record checks each entry through its
 * own machinery, which costs more than the rest of the ingest together. The issue names the
 * entry and the limit, so a sender knows what to shorten.
 */
function boundedSet(kind: 'label' | 'annotation', limits: SetLimits) {
  return z.unknown().transform((value, ctx): Record<string, string> => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      ctx.issues.push({ code: 'custom', message: `must be an object of ${kind} names to strings`, input: value });
      return z.NEVER;
    }
    const entries = Object.entries(value);
    if (entries.length > limits.entries) {
      ctx.issues.push({ code: 'custom', message: `more ${kind}s than the limit of ${limits.entries}`, input: value });
      return z.NEVER;
    }
    let total = 0;
    for (const [key, entry] of entries) {
      const path = key.length > 40 ? [] : [key];
      if (typeof entry !== 'string') {
        ctx.issues.push({ code: 'custom', path, message: `${kind} values must be strings`, input: entry });
        return z.NEVER;
      }
      const nameBytes = Buffer.byteLength(key, 'utf8');
      const valueBytes = Buffer.byteLength(entry, 'utf8');
      if (nameBytes > limits.nameBytes) {
        ctx.issues.push({ code: 'custom', path, message: `${kind} name longer than the limit of ${limits.nameBytes} bytes`, input: key });
        return z.NEVER;
      }
      if (valueBytes > limits.valueBytes) {
        ctx.issues.push({ code: 'custom', path, message: `${kind} value longer than the limit of ${limits.valueBytes} bytes`, input: entry });
        return z.NEVER;
      }
      total += nameBytes + valueBytes;
    }
    if (total > limits.totalBytes) {
      ctx.issues.push({ code: 'custom', message: `${kind}s larger than the limit of ${limits.totalBytes} bytes in all`, input: value });
      return z.NEVER;
    }
    // A copy with own properties only: a `__proto__` key stays a key, never a prototype.
    return Object.fromEntries(entries) as Record<string, string>;
  });
}

export const labelSet = boundedSet('label', PAYLOAD_LIMITS.labels);
export const annotationSet = boundedSet('annotation', PAYLOAD_LIMITS.annotations);
const shortString = z.string().refine((value) => Buffer.byteLength(value, 'utf8') <= PAYLOAD_LIMITS.stringBytes, {
  message: `longer than the limit of ${PAYLOAD_LIMITS.stringBytes} bytes`,
});

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
    annotations: annotationSet.default({}),
    startsAt: rfc3339Ms,
    /** Null while firing (Alertmanager sends the zero time then). */
    endsAt: rfc3339Ms.optional(),
    generatorURL: shortString.optional(),
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
  receiver: shortString,
  alerts: z.array(webhookAlertSchema),
  groupKey: shortString.optional(),
  truncatedAlerts: z.number().int().nonnegative().default(0),
  groupLabels: labelSet.default({}),
  commonLabels: labelSet.default({}),
  commonAnnotations: annotationSet.default({}),
  externalURL: shortString.optional(),
});

export type WebhookPayload = z.output<typeof webhookPayloadSchema>;

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
