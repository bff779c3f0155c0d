import { z } from 'zod';
import { annotationSet, fingerprintString, labelFingerprint, labelSet, rfc3339Ms, shortString, ZERO_TIME_MS } from './alertmanager-fields.js';
import { fastWebhookPayload } from './alertmanager-payload-fast.js';

/**
 * Alertmanager's webhook payload, version 4 (notify/webhook in Alertmanager; samples in
 * test/alertmanager/fixtures). Unknown fields pass through: Alertmanager 0.32 added
 * `notification_reason`, 0.34 `routeLabels`, and newer ones may add more.
 *
 * This zod schema is the one definition of the payload. parseWebhookPayload tries a hand-written
 * fast path first (alertmanager-payload-fast.ts, proven equal to this schema by
 * alertmanager-payload-fast.test.ts) and asks the schema for every body the fast path refuses,
 * so a rejection always carries zod's message.
 */

export const webhookAlertSchema = z
  .looseObject({
    status: z.enum(['firing', 'resolved']),
    labels: labelSet,
    annotations: annotationSet.default({}),
    startsAt: rfc3339Ms,
    /** Null while firing (Alertmanager sends the zero time then). */
    endsAt: rfc3339Ms.optional(),
    generatorURL: shortString.optional(),
    fingerprint: fingerprintString.optional(),
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
  // Measured with bench/webhook-ingest.bench.ts: zod's walk of a 100-alert body costs about
  // three times its JSON.parse, the fast path a fraction of it.
  const fast = fastWebhookPayload(body);
  if (fast !== undefined) return { ok: true, payload: fast };
  const parsed = webhookPayloadSchema.safeParse(body);
  if (parsed.success) return { ok: true, payload: parsed.data };
  const issues = parsed.error.issues;
  const listed = issues.slice(0, MAX_ISSUES_IN_MESSAGE).map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
  const more = issues.length > MAX_ISSUES_IN_MESSAGE ? ` (and ${issues.length - MAX_ISSUES_IN_MESSAGE} more)` : '';
  return { ok: false, message: `invalid payload: ${listed.join('; ')}${more}` };
}
