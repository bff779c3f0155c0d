import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { parseFailoverIP } from './convert.js';

const object = (spec: unknown, status?: unknown) => ({
  metadata: { name: 'web', namespace: 'ipshift', generation: 3 },
  spec,
  ...(status === undefined ? {} : { status }),
});
const spec = { addresses: ['198.51.100.10'], provider: { type: 'netcup', secretRef: { name: 'netcup' } } };

describe('parseFailoverIP: the object through the one schema', () => {
  it('reads a valid object, defaults included', () => {
    const parsed = parseFailoverIP(object(spec));
    expect(parsed).toEqual({
      ok: true,
      fip: { namespace: 'ipshift', name: 'web', generation: 3, annotations: {}, spec: { ...spec, policy: {}, paused: false }, status: {} },
    });
  });

  it.each([
    [
      'a selector term with an unknown operator (dropping it would widen the selector)',
      { nodeSelector: { matchExpressions: [{ key: 'a', operator: 'Gt' }] } },
      'spec.nodeSelector.matchExpressions.0.operator',
    ],
    ['In without values', { nodeSelector: { matchExpressions: [{ key: 'a', operator: 'In' }] } }, 'spec.nodeSelector.matchExpressions.0'],
    ['an unknown provider', { provider: { type: 'aws', secretRef: { name: 'x' } } }, 'spec.provider.type'],
    ['an IPv4 prefix other than /32', { addresses: ['198.51.100.0/24'] }, 'spec.addresses.0'],
    ['a fractional cooldown', { policy: { cooldownSeconds: 1.5 } }, 'spec.policy.cooldownSeconds'],
    ['a podSelector without namespace', { podSelector: { matchLabels: { app: 'x' } } }, 'spec.podSelector.namespace'],
  ])('refuses %s, naming the field', (_what, change, field) => {
    const parsed = parseFailoverIP(object({ ...spec, ...change }));
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.problem).toMatch(new RegExp(`^${field.replaceAll('.', '\\.')}: `));
  });

  it('reads the status through validation: a field of the wrong shape reads as absent, the others stay', () => {
    const parsed = parseFailoverIP(
      object(spec, {
        assignedNode: 42,
        nextMoveAllowedAt: 'tomorrow',
        lastMoveTime: '2026-01-01T00:00:00.000Z',
        observedGeneration: 3,
        conditions: [{ type: 'Routed', status: 'Maybe' }],
        lastDecision: { outcome: 'keep', reason: 'holder-healthiest', message: 'ok', time: '2026-01-01T00:00:01Z' },
        unknownField: 'x',
      }),
    );
    expect(parsed.ok ? parsed.fip.status : null).toEqual({
      lastMoveTime: '2026-01-01T00:00:00.000Z',
      observedGeneration: 3,
      lastDecision: { outcome: 'keep', reason: 'holder-healthiest', message: 'ok', time: '2026-01-01T00:00:01Z' },
    });
  });

  it('accepts every FailoverIP in deploy/examples', () => {
    const dir = join(process.cwd(), 'deploy/examples');
    const fips = readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as { kind?: string }))
      .filter((o) => o.kind === 'FailoverIP');
    expect(fips.length).toBeGreaterThan(0);
    for (const fip of fips) expect(parseFailoverIP(fip)).toMatchObject({ ok: true });
  });
});
