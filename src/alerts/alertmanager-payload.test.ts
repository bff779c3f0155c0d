import { fixture, FIXTURE_NAMES } from '../../test/alertmanager/helpers.js';
import { labelFingerprint, parseRfc3339, parseWebhookPayload } from './alertmanager-payload.js';

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

  it('parses RFC 3339 like Date.parse does for valid values, across years, offsets and fractions', () => {
    let seed = 42;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const pad = (value: number, width = 2): string => String(value).padStart(width, '0');
    for (let i = 0; i < 2000; i++) {
      const year = [1, 99, 100, 1900, 1970, 2000, 2024, 2026, 9999][next(9)] as number;
      const month = 1 + next(12);
      const day = 1 + next(28);
      const fraction = ['', '.5', '.006494673', '.123', '.1234567'][next(5)] as string;
      const zone = ['Z', '+01:00', '-05:30', '+14:00', 'z'][next(5)] as string;
      const text = `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(next(24))}:${pad(next(60))}:${pad(next(60))}${fraction}${zone}`;
      const millisOnly = text.replace(/\.(\d{1,3})\d*/, (_m, digits: string) => `.${digits.padEnd(3, '0')}`).replace(/z$/, 'Z');
      expect([text, parseRfc3339(text)]).toEqual([text, Date.parse(millisOnly)]);
    }
    expect(parseRfc3339('0001-01-01T00:00:00Z')).toBe(-62135596800000);
    expect(parseRfc3339('2024-02-29T00:00:00Z')).toBe(Date.parse('2024-02-29T00:00:00Z'));
    expect(parseRfc3339('2025-02-29T00:00:00Z')).toBeUndefined();
    expect(parseRfc3339('1900-02-29T00:00:00Z')).toBeUndefined();
    expect(parseRfc3339('2026-04-31T00:00:00Z')).toBeUndefined();
    expect(parseRfc3339('2026-11-22T24:00:00Z')).toBeUndefined();
    expect(parseRfc3339('2026-11-22T10:00:00+24:00')).toBeUndefined();
  });

  it('parses RFC 3339 strictly', () => {
    expect(parseRfc3339('2026-11-22T10:55:38Z')).toBe(Date.parse('2026-11-22T10:55:38Z'));
    expect(parseRfc3339('2026-11-22T10:55:38.123+01:00')).toBe(Date.parse('2026-11-22T09:55:38.123Z'));
    expect(parseRfc3339('2026-11-22 10:55:38')).toBeUndefined();
    expect(parseRfc3339('2026-13-45T10:55:38Z')).toBeUndefined();
  });
});
