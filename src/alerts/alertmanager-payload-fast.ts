import {
  FINGERPRINT_LENGTH,
  fitsUtf8,
  labelFingerprint,
  PAYLOAD_LIMITS,
  readBoundedSet,
  RFC3339_PATTERN,
  SetIssue,
  ZERO_TIME_MS,
} from './alertmanager-fields.js';
import type { WebhookPayload } from './alertmanager-payload.js';

/**
 * The webhook payload schema (webhookPayloadSchema in alertmanager-payload.ts) written out by
 * hand for bodies that pass it: zod's general machinery costs about three times the JSON.parse
 * of a 100-alert body, this a fraction of it (bench/webhook-ingest.bench.ts). It uses the same
 * field checks (alertmanager-fields.ts) and builds the same value, keys in the same order.
 *
 * It answers `undefined` for anything it does not accept, and the caller then asks zod, which
 * decides and words the rejection. So the fast path can never reject what zod accepts; and
 * alertmanager-payload-fast.test.ts checks on generated valid and broken payloads that it accepts
 * exactly what zod accepts, with an equal value. A change to the schema fails that test until
 * this file follows it (the test also compares the field lists).
 */

type Alert = WebhookPayload['alerts'][number];
type Loose = Record<string, unknown>;

export const FAST_PATH_ALERT_FIELDS = ['status', 'labels', 'annotations', 'startsAt', 'endsAt', 'generatorURL', 'fingerprint'] as const;
export const FAST_PATH_PAYLOAD_FIELDS = [
  'version',
  'status',
  'receiver',
  'alerts',
  'groupKey',
  'truncatedAlerts',
  'groupLabels',
  'commonLabels',
  'commonAnnotations',
  'externalURL',
] as const;
const ALERT_FIELDS: ReadonlySet<string> = new Set(FAST_PATH_ALERT_FIELDS);
const PAYLOAD_FIELDS: ReadonlySet<string> = new Set(FAST_PATH_PAYLOAD_FIELDS);

/** A refusal inside the walk; never leaves this file. */
const NO = Symbol('no');

// zod's object check: anything of type object but null and arrays (the prototype is not asked).
function isObject(value: unknown): value is Loose {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function labels(value: unknown): Record<string, string> | typeof NO {
  const read = readBoundedSet(value, 'label', PAYLOAD_LIMITS.labels);
  return read instanceof SetIssue ? NO : read;
}

function annotations(value: unknown): Record<string, string> | typeof NO {
  const read = readBoundedSet(value, 'annotation', PAYLOAD_LIMITS.annotations);
  return read instanceof SetIssue ? NO : read;
}

/** What every firing alert carries as `endsAt`: read once, not once per alert. */
const ZERO_TIME_TEXT = '0001-01-01T00:00:00Z';

function timestamp(value: unknown): number | typeof NO {
  if (value === ZERO_TIME_TEXT) return ZERO_TIME_MS;
  return typeof value === 'string' && RFC3339_PATTERN.test(value) ? Date.parse(value) : NO;
}

function shortString(value: unknown): boolean {
  return typeof value === 'string' && fitsUtf8(value, PAYLOAD_LIMITS.stringBytes);
}

const PAYLOAD_SETS: ReadonlyArray<readonly [string, (value: unknown) => Record<string, string> | typeof NO]> = [
  ['groupLabels', labels],
  ['commonLabels', labels],
  ['commonAnnotations', annotations],
];

const isStatus = (value: unknown): value is 'firing' | 'resolved' => value === 'firing' || value === 'resolved';

/**
 * Copies the keys the schema does not name, as zod's loose object does: in `for...in` order, an
 * own `__proto__` key left out (zod never copies one).
 */
function copyUnknown(input: Loose, known: ReadonlySet<string>, out: Loose): void {
  for (const key in input) {
    if (known.has(key) || key === '__proto__') continue;
    out[key] = input[key];
  }
}

// The object walks below follow zod's rules for an absent key: an optional one stays absent, a
// defaulted one takes its default, a present `undefined` stays present (never from JSON).

const isFingerprint = (value: unknown): boolean =>
  typeof value === 'string' && value.length >= FINGERPRINT_LENGTH.min && value.length <= FINGERPRINT_LENGTH.max;

/** Copies an optional field by those rules; false when it is present and fails `valid`. */
function copyOptional(input: Loose, key: string, valid: (value: unknown) => boolean, out: Loose): boolean {
  const value = input[key];
  if (value !== undefined) {
    if (!valid(value)) return false;
    out[key] = value;
  } else if (key in input) out[key] = undefined;
  return true;
}

function alert(input: unknown): Alert | typeof NO {
  if (!isObject(input)) return NO;
  const status = input['status'];
  if (!isStatus(status)) return NO;
  const labelSet = labels(input['labels']);
  if (labelSet === NO) return NO;
  const annotationsIn = input['annotations'];
  const annotationSet = annotationsIn === undefined ? {} : annotations(annotationsIn);
  if (annotationSet === NO) return NO;
  const startsAt = timestamp(input['startsAt']);
  if (startsAt === NO) return NO;
  const out: Loose = { status, labels: labelSet, annotations: annotationSet, startsAt };
  const endsAtIn = input['endsAt'];
  let endsAt: number | undefined;
  if (endsAtIn !== undefined) {
    const read = timestamp(endsAtIn);
    if (read === NO) return NO;
    out['endsAt'] = endsAt = read;
  } else if ('endsAt' in input) out['endsAt'] = undefined;
  if (!copyOptional(input, 'generatorURL', shortString, out) || !copyOptional(input, 'fingerprint', isFingerprint, out)) return NO;
  const fingerprintIn = input['fingerprint'];
  copyUnknown(input, ALERT_FIELDS, out);
  // The schema's transform: assigning keeps a present key's place and appends an absent one, as its spread does.
  out['endsAt'] = endsAt === undefined || endsAt <= ZERO_TIME_MS ? null : endsAt;
  out['fingerprint'] = typeof fingerprintIn === 'string' ? fingerprintIn : labelFingerprint(labelSet);
  return out as Alert;
}

/**
 * The parsed payload when `body` passes webhookPayloadSchema, else `undefined` (ask zod). Meant
 * for JSON.parse output; any other input still gets zod's verdict in the end.
 */
export function fastWebhookPayload(body: unknown): WebhookPayload | undefined {
  if (!isObject(body)) return undefined;
  const version = body['version'];
  const status = body['status'];
  const receiver = body['receiver'];
  const alertsIn = body['alerts'];
  if (version !== '4' || !isStatus(status) || !shortString(receiver) || !Array.isArray(alertsIn)) return undefined;
  const alerts: Alert[] = new Array<Alert>(alertsIn.length);
  for (let i = 0; i < alertsIn.length; i++) {
    const read = alert(alertsIn[i]);
    if (read === NO) return undefined;
    alerts[i] = read;
  }
  const out: Loose = { version, status, receiver, alerts };
  if (!copyOptional(body, 'groupKey', shortString, out)) return undefined;
  const truncated = body['truncatedAlerts'];
  if (truncated !== undefined && !(typeof truncated === 'number' && Number.isSafeInteger(truncated) && truncated >= 0)) return undefined;
  out['truncatedAlerts'] = truncated ?? 0;
  for (const [key, read] of PAYLOAD_SETS) {
    const value = body[key];
    const set = value === undefined ? {} : read(value);
    if (set === NO) return undefined;
    out[key] = set;
  }
  if (!copyOptional(body, 'externalURL', shortString, out)) return undefined;
  copyUnknown(body, PAYLOAD_FIELDS, out);
  return out as WebhookPayload;
}
