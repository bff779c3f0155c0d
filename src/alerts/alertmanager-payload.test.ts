import { fixture, FIXTURE_NAMES } from '../../test/alertmanager/helpers.js';
import { labelFingerprint, PAYLOAD_LIMITS, rfc3339Ms } from './alertmanager-fields.js';
import { parseWebhookPayload } from './alertmanager-payload.js';

function withAlert(patch: Record<string, unknown>): Record<string, unknown> {
  const body = fixture('firing');
  const alerts = body['alerts'] as Array<Record<string, unknown>>;
  body['alerts'] = [{ ...alerts[0], ...patch }];
  return body;
}

function messageOf(body: unknown): string {
  const result = parseWebhookPayload(body);
  if (result.ok) throw new Error('expected a rejection');
  return result.message;
}

describe('webhook payload v4', () => {
  it.each(FIXTURE_NAMES)('accepts the captured Alertmanager 0.25 body %s', (name) => {
    const result = parseWebhookPayload(fixture(name));
    expect(result.ok).toBe(true);
  });

  it('parses firing alerts: nanosecond startsAt, zero endsAt becomes null', () => {
    const result = parseWebhookPayload(fixture('firing'));
    if (!result.ok) throw new Error(result.message);
    const [alert] = result.payload.alerts;
    expect(alert).toMatchObject({
      status: 'firing',
      fingerprint: 'd784274104f05781',
      labels: { alertname: 'KubeNodeNotReady', node: 'node-1', severity: 'critical' },
      startsAt: Date.parse('2026-11-22T10:55:38.006Z'),
      endsAt: null,
    });
    expect(result.payload.truncatedAlerts).toBe(0);
  });

  it('keeps the real endsAt of a resolved alert', () => {
    const result = parseWebhookPayload(fixture('resolved'));
    if (!result.ok) throw new Error(result.message);
    expect(result.payload.alerts[0]?.endsAt).toBe(Date.parse('2026-11-22T10:55:39.397Z'));
  });

  it('passes unknown fields of newer Alertmanagers through', () => {
    const body = { ...fixture('firing'), notification_reason: 'first notification', routeLabels: { team: 'infra' } };
    const result = parseWebhookPayload(body);
    if (!result.ok) throw new Error(result.message);
    expect((result.payload as Record<string, unknown>)['notification_reason']).toBe('first notification');
    expect((result.payload as Record<string, unknown>)['routeLabels']).toEqual({ team: 'infra' });
  });

  it('derives a stable fingerprint from the labels when a sender leaves it out', () => {
    const body = withAlert({ fingerprint: undefined });
    const result = parseWebhookPayload(JSON.parse(JSON.stringify(body)));
    if (!result.ok) throw new Error(result.message);
    const labels = { alertname: 'KubeNodeNotReady', node: 'node-1', severity: 'critical' };
    expect(result.payload.alerts[0]?.fingerprint).toBe(labelFingerprint(labels));
    expect(labelFingerprint({ severity: 'critical', node: 'node-1', alertname: 'KubeNodeNotReady' })).toBe(labelFingerprint(labels));
    expect(labelFingerprint({ ...labels, node: 'node-2' })).not.toBe(labelFingerprint(labels));
  });

  it.each([
    ['not an object', [], 'must be a JSON object'],
    ['null', null, 'must be a JSON object'],
    ['no version', { ...fixture('firing'), version: undefined }, 'unsupported payload version none'],
    ['wrong version', { ...fixture('firing'), version: '3' }, 'unsupported payload version "3"'],
    ['numeric version', { ...fixture('firing'), version: 4 }, 'unsupported payload version 4'],
    ['alerts missing', { ...fixture('firing'), alerts: undefined }, 'alerts:'],
    ['alerts not an array', { ...fixture('firing'), alerts: {} }, 'alerts:'],
    ['bad status', withAlert({ status: 'pending' }), 'alerts[0].status'],
    ['labels not strings', withAlert({ labels: { node: 1 } }), 'alerts[0].labels.node'],
    ['malformed startsAt', withAlert({ startsAt: 'yesterday' }), 'alerts[0].startsAt: must be an RFC 3339 timestamp, got "yesterday"'],
    ['date-only startsAt', withAlert({ startsAt: '2026-11-22' }), 'alerts[0].startsAt'],
    ['missing startsAt', withAlert({ startsAt: undefined }), 'alerts[0].startsAt'],
    ['malformed endsAt', withAlert({ endsAt: 17 }), 'alerts[0].endsAt'],
    ['negative truncatedAlerts', { ...fixture('firing'), truncatedAlerts: -1 }, 'truncatedAlerts'],
  ])('rejects %s with a clear message', (_name, body, expected) => {
    const message = messageOf(JSON.parse(JSON.stringify(body)) as unknown);
    expect(message).toContain(expected);
  });

  it('lists at most three issues and counts the rest', () => {
    const body = fixture('firing');
    body['alerts'] = Array.from({ length: 5 }, () => ({ status: 'nope' }));
    const message = messageOf(body);
    expect(message).toMatch(/\(and \d+ more\)$/);
  });

  it.each([
    ['2026-11-22T10:55:38Z', Date.parse('2026-11-22T10:55:38Z')],
    ['2026-11-22T10:55:38.123+01:00', Date.parse('2026-11-22T09:55:38.123Z')],
    ['2026-11-22T10:55:38.006494673Z', Date.parse('2026-11-22T10:55:38.006Z')],
    ['0001-01-01T00:00:00Z', -62135596800000],
    ['2024-02-29T00:00:00Z', Date.parse('2024-02-29T00:00:00Z')],
  ])('reads the RFC 3339 timestamp %s', (text, expected) => {
    expect(rfc3339Ms.parse(text)).toBe(expected);
  });

  it.each([
    ['2025-02-29T00:00:00Z'],
    ['2026-04-31T00:00:00Z'],
    ['2026-11-22T24:00:00Z'],
    ['2026-11-22T10:00:00+24:00'],
    ['2026-11-22 10:55:38'],
    ['2026-13-45T10:55:38Z'],
  ])('refuses %s as a timestamp', (text) => {
    expect(rfc3339Ms.safeParse(text).success).toBe(false);
  });

  describe('bounds in bytes', () => {
    const big = (bytes: number): string => 'x'.repeat(bytes);
    it.each([
      ['a 1 MB startsAt', withAlert({ startsAt: big(1_000_000) }), 'alerts[0].startsAt: must be an RFC 3339 timestamp'],
      [
        'a long label value',
        withAlert({ labels: { alertname: 'A', node: big(PAYLOAD_LIMITS.labels.valueBytes + 1) } }),
        'label value longer than the limit of 1024 bytes',
      ],
      ['a long label name', withAlert({ labels: { [big(200)]: 'x' } }), 'label name longer than the limit of 128 bytes'],
      ['too many labels', withAlert({ labels: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`l${i}`, 'v'])) }), 'more labels than the limit of 64'],
      [
        'labels too large in all',
        withAlert({ labels: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`l${i}`, big(1000)])) }),
        'labels larger than the limit of 8192 bytes in all',
      ],
      ['a 1 MB annotation', withAlert({ annotations: { description: big(1_000_000) } }), 'annotation value longer than the limit of 8192 bytes'],
      ['multi-byte characters count as bytes', withAlert({ labels: { node: '💥'.repeat(300) } }), 'label value longer than the limit of 1024 bytes'],
      ['a long receiver', { ...fixture('firing'), receiver: big(5000) }, 'receiver: longer than the limit of 4096 bytes'],
      [
        'a long commonAnnotations value',
        { ...fixture('firing'), commonAnnotations: { x: big(9000) } },
        'commonAnnotations.x: annotation value longer than the limit of 8192 bytes',
      ],
    ])('refuses %s, naming the limit', (_name, body, expected) => {
      expect(messageOf(JSON.parse(JSON.stringify(body)) as unknown)).toContain(expected);
    });

    it('the message never echoes an oversized value', () => {
      const message = messageOf(JSON.parse(JSON.stringify(withAlert({ labels: { node: big(100_000) } }))) as unknown);
      expect(message.length).toBeLessThan(300);
    });

    it('accepts alerts right at the limits', () => {
      const labels = { alertname: 'A', node: big(PAYLOAD_LIMITS.labels.valueBytes) };
      expect(parseWebhookPayload(JSON.parse(JSON.stringify(withAlert({ labels }))) as unknown).ok).toBe(true);
    });
  });
});
