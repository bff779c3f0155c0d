import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * The field schemas Alertmanager's payloads share (the webhook body, the API v2 alert list), and
 * the checks behind them written once: the zod schemas call them, and so does the webhook's fast
 * path (alertmanager-payload-fast.ts), so both judge a label set or a timestamp alike.
 */

/** Go's zero time: Alertmanager sends it as `endsAt` while an alert fires. */
export const ZERO_TIME_MS = -62_135_596_800_000; // 0001-01-01T00:00:00Z

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

/** The pattern zod's datetime check above applies (read from the schema, not copied). */
export const RFC3339_PATTERN: RegExp = (() => {
  const pattern = rfc3339Ms.in._zod.def.pattern;
  if (pattern === undefined || pattern.global || pattern.sticky) throw new Error('zod datetime schema without a plain pattern');
  return pattern;
})();

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
 * Whether `text` is at most `limit` bytes in UTF-8. A UTF-16 unit is 1 to 3 UTF-8 bytes, so only
 * strings between limit/3 and limit units are measured (real labels are far below limit/3).
 */
export function fitsUtf8(text: string, limit: number): boolean {
  if (text.length * 3 <= limit) return true;
  if (text.length > limit) return false;
  return Buffer.byteLength(text, 'utf8') <= limit;
}

/** Why a label or annotation set was refused (a zod issue's parts). */
export class SetIssue {
  constructor(
    readonly message: string,
    readonly path: string[],
    readonly input: unknown,
  ) {}
}

/**
 * A string map within `limits`, or why not. zod's record would check each entry through its own
 * machinery, which costs more than the rest of the ingest together. The issue names the entry
 * and the limit, so a sender knows what to shorten.
 *
 * A plain object (what JSON.parse makes: own keys only, a `__proto__` key an own key, never a
 * prototype) that passes is kept as it is; anything else that passes is copied into one, so the
 * answer is always a plain object of own strings. Copying every set cost more than checking it.
 */
export function readBoundedSet(value: unknown, kind: 'label' | 'annotation', limits: SetLimits): Record<string, string> | SetIssue {
  if (
    typeof value === 'object' &&
    value !== null &&
    Object.getPrototypeOf(value) === Object.prototype &&
    withinLimits(value as Record<string, unknown>, limits)
  ) {
    return value as Record<string, string>;
  }
  return explainBoundedSet(value, kind, limits);
}

/** The quick yes for a plain object: every key and value within the bounds (for...in is the fastest walk). */
function withinLimits(set: Record<string, unknown>, limits: SetLimits): boolean {
  let entries = 0;
  let units = 0;
  for (const key in set) {
    const entry = set[key];
    if (++entries > limits.entries || typeof entry !== 'string' || !fitsUtf8(key, limits.nameBytes) || !fitsUtf8(entry, limits.valueBytes)) return false;
    units += key.length + entry.length;
  }
  return units * 3 <= limits.totalBytes || utf8Total(set) <= limits.totalBytes;
}

function utf8Total(set: Record<string, unknown>): number {
  let total = 0;
  for (const [key, entry] of Object.entries(set)) total += Buffer.byteLength(key, 'utf8') + Buffer.byteLength(String(entry), 'utf8');
  return total;
}

/** The first rule a set breaks, in a fixed order (so the message is the same however it is asked), or a plain copy when it breaks none. */
function explainBoundedSet(value: unknown, kind: 'label' | 'annotation', limits: SetLimits): Record<string, string> | SetIssue {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return new SetIssue(`must be an object of ${kind} names to strings`, [], value);
  const entries = Object.entries(value);
  if (entries.length > limits.entries) return new SetIssue(`more ${kind}s than the limit of ${limits.entries}`, [], value);
  for (const [key, entry] of entries) {
    const path = key.length > 40 ? [] : [key];
    if (typeof entry !== 'string') return new SetIssue(`${kind} values must be strings`, path, entry);
    if (!fitsUtf8(key, limits.nameBytes)) return new SetIssue(`${kind} name longer than the limit of ${limits.nameBytes} bytes`, path, key);
    if (!fitsUtf8(entry, limits.valueBytes)) return new SetIssue(`${kind} value longer than the limit of ${limits.valueBytes} bytes`, path, entry);
  }
  if (utf8Total(value as Record<string, unknown>) > limits.totalBytes)
    return new SetIssue(`${kind}s larger than the limit of ${limits.totalBytes} bytes in all`, [], value);
  // Object.fromEntries defines keys: a `__proto__` key stays a key, never a prototype.
  return Object.fromEntries(entries) as Record<string, string>;
}

function boundedSet(kind: 'label' | 'annotation', limits: SetLimits) {
  return z.unknown().transform((value, ctx): Record<string, string> => {
    const read = readBoundedSet(value, kind, limits);
    if (!(read instanceof SetIssue)) return read;
    ctx.issues.push({ code: 'custom', path: read.path, message: read.message, input: read.input });
    return z.NEVER;
  });
}

export const labelSet = boundedSet('label', PAYLOAD_LIMITS.labels);
export const annotationSet = boundedSet('annotation', PAYLOAD_LIMITS.annotations);
export const shortString = z.string().refine((value) => fitsUtf8(value, PAYLOAD_LIMITS.stringBytes), {
  message: `longer than the limit of ${PAYLOAD_LIMITS.stringBytes} bytes`,
});
export const FINGERPRINT_LENGTH = { min: 1, max: 128 } as const;
export const fingerprintString = z.string().min(FINGERPRINT_LENGTH.min).max(FINGERPRINT_LENGTH.max);

/** A stable identity when a sender leaves `fingerprint` out (Alertmanager never does): a hash of the sorted label set. */
export function labelFingerprint(labels: Readonly<Record<string, string>>): string {
  const hash = createHash('sha256');
  for (const key of Object.keys(labels).sort()) hash.update(`${key}\u0000${labels[key] ?? ''}\u0000`);
  return hash.digest('hex').slice(0, 16);
}
