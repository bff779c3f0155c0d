import type { Decision } from '../core/decide.js';
import { nodeHealth } from '../core/health.js';
import { kubeReason } from '../core/kube-reason.js';
import type { FailoverIPObject, StatusCondition } from '../core/model.js';
import { OUTCOMES, REASONS } from '../core/reasons.js';
import { nodeFacts, type NodeSpec } from '../../test/support/node-facts.js';
import { freshMemory } from './failover-ip-state.js';
import { buildStatus } from './status.js';
import { parseFailoverIP } from '../kube/convert.js';

const NOW = Date.parse('2026-11-23T12:00:00Z');

const fip = (conditions?: readonly StatusCondition[]): FailoverIPObject => ({
  namespace: 'ipshift',
  name: 'web',
  generation: 4,
  annotations: {},
  spec: { addresses: ['198.51.100.10'], provider: { type: 'dry-run', secretRef: { name: 'x' } }, policy: {}, paused: false },
  status: conditions === undefined ? {} : { conditions },
});

const decision = (overrides: Partial<Decision> = {}): Decision => ({
  outcome: 'keep',
  reason: 'holder-healthiest',
  target: 'a',
  message: 'a is the healthiest',
  retryAt: null,
  cooldownEndsAt: null,
  ...overrides,
});

function conditions(args: {
  assigned?: string | null;
  holder?: NodeSpec | null;
  decision?: Partial<Decision>;
  previous?: readonly StatusCondition[];
  partial?: boolean;
  nextMoveAllowedAt?: number | null;
}) {
  const routing = args.partial
    ? [
        { address: '198.51.100.10', serverId: '1' },
        { address: '2001:db8::/64', serverId: '2' },
      ]
    : [];
  const memory = { ...freshMemory(), assignedNode: args.assigned === undefined ? 'a' : args.assigned, routing, partial: args.partial ?? false };
  const holderHealth = args.holder === null ? undefined : nodeHealth(nodeFacts('a', args.holder ?? {}));
  const status = buildStatus({
    fip: fip(args.previous),
    memory,
    decision: decision(args.decision),
    decisionAt: NOW,
    holderHealth,
    now: NOW,
    nextMoveAllowedAt: args.nextMoveAllowedAt ?? null,
  });
  const byType = Object.fromEntries((status?.conditions ?? []).map((c) => [c.type, `${c.status}/${c.reason}`]));
  return { status, byType };
}

describe('status writes', () => {
  it("writes nothing when the status read back from the API server says the same (the watch hands it back in the schema's key order)", () => {
    const memory = { ...freshMemory(), assignedNode: 'a' };
    const input = { memory, decision: decision(), decisionAt: NOW, holderHealth: nodeHealth(nodeFacts('a')), now: NOW, nextMoveAllowedAt: null };
    const written = buildStatus({ ...input, fip: fip() });
    expect(written).not.toBeNull();
    // The object as a FailoverIP watch delivers it after the status write.
    const raw = {
      apiVersion: 'ipshift.dev/v1alpha1',
      kind: 'FailoverIP',
      metadata: { namespace: 'ipshift', name: 'web', generation: 4, uid: 'u1', resourceVersion: '7' },
      spec: fip().spec,
      status: JSON.parse(JSON.stringify(written)) as unknown,
    };
    const parsed = parseFailoverIP(raw);
    if (!parsed.ok) throw new Error(parsed.problem);
    expect(buildStatus({ ...input, fip: parsed.fip, now: NOW + 5_000 })).toBeNull();
  });
});

describe('status conditions', () => {
  it.each<[string, Parameters<typeof conditions>[0], Record<string, string>]>([
    [
      'routed to a healthy holder',
      {},
      { Accepted: 'True/Accepted', Ready: 'True/Ready', Routed: 'True/Routed', Degraded: 'False/HolderHealthy', Blocked: 'False/NotBlocked' },
    ],
    [
      'holder down, waiting for the cooldown',
      { holder: { conditions: { Ready: 'False' } }, decision: { outcome: 'wait-cooldown', reason: 'holder-down' } },
      { Accepted: 'True/Accepted', Ready: 'False/HolderDown', Routed: 'True/Routed', Degraded: 'True/HolderDown', Blocked: 'True/WaitCooldown' },
    ],
    [
      'routed nowhere we know',
      { assigned: null, holder: null, decision: { outcome: 'no-eligible-node', reason: 'unrouted' } },
      { Accepted: 'True/Accepted', Ready: 'False/Unrouted', Routed: 'False/Unrouted', Degraded: 'False/HolderHealthy', Blocked: 'True/NoEligibleNode' },
    ],
    [
      'a cordoned holder still serves: Ready, but Degraded',
      { holder: { unschedulable: true }, decision: { outcome: 'move', reason: 'holder-draining', target: 'b' } },
      { Accepted: 'True/Accepted', Ready: 'True/Ready', Routed: 'True/Routed', Degraded: 'True/HolderDraining', Blocked: 'False/NotBlocked' },
    ],
    [
      'a holder no longer selected',
      { decision: { outcome: 'no-eligible-node', reason: 'holder-ineligible' } },
      { Accepted: 'True/Accepted', Ready: 'False/HolderIneligible', Routed: 'True/Routed', Degraded: 'False/HolderHealthy', Blocked: 'True/NoEligibleNode' },
    ],
    [
      'partial routing: one address on the holder, one elsewhere, never Routed',
      { partial: true, decision: { outcome: 'wait-cooldown', reason: 'partial-routing' } },
      {
        Accepted: 'True/Accepted',
        Ready: 'False/PartialRouting',
        Routed: 'False/PartialRouting',
        Degraded: 'False/HolderHealthy',
        Blocked: 'True/WaitCooldown',
      },
    ],
    [
      'paused',
      { decision: { outcome: 'paused', reason: 'paused' } },
      { Accepted: 'True/Accepted', Ready: 'True/Ready', Routed: 'True/Routed', Degraded: 'False/HolderHealthy', Blocked: 'True/Paused' },
    ],
  ])('%s', (_desc, args, expected) => {
    expect(conditions(args).byType).toEqual(expected);
  });

  it('says the cooldown in force in nextMoveAllowedAt, and writes again when it changes', () => {
    const at = NOW + 120_000;
    expect(conditions({ nextMoveAllowedAt: at }).status?.nextMoveAllowedAt).toBe(new Date(at).toISOString());
    expect(conditions({}).status?.nextMoveAllowedAt).toBeNull();
  });

  it('writes every condition for the current generation, and keeps lastTransitionTime while the status holds', () => {
    const first = conditions({}).status?.conditions ?? [];
    for (const c of first) expect(c).toMatchObject({ observedGeneration: 4, lastTransitionTime: new Date(NOW).toISOString() });
    const earlier = first.map((c) => ({ ...c, lastTransitionTime: '2026-11-23T11:00:00.000Z' }));
    const next = conditions({ previous: earlier, holder: { conditions: { Ready: 'False' } }, decision: { outcome: 'wait-cooldown', reason: 'holder-down' } });
    const times = Object.fromEntries((next.status?.conditions ?? []).map((c) => [c.type, c.lastTransitionTime]));
    expect(times).toEqual({
      Accepted: '2026-11-23T11:00:00.000Z',
      Ready: new Date(NOW).toISOString(),
      Routed: '2026-11-23T11:00:00.000Z',
      Degraded: new Date(NOW).toISOString(),
      Blocked: new Date(NOW).toISOString(),
    });
  });
});

describe('kubeReason: the one mapping to CamelCase', () => {
  it('maps every reason and outcome code to a distinct CamelCase word', () => {
    const mapped = [...REASONS, ...OUTCOMES].map(kubeReason);
    for (const reason of mapped) expect(reason).toMatch(/^[A-Z][a-zA-Z]*$/);
    expect(new Set(mapped).size).toBe(new Set([...REASONS, ...OUTCOMES]).size);
    expect(kubeReason('holder-down')).toBe('HolderDown');
    expect(kubeReason('no-eligible-node')).toBe('NoEligibleNode');
  });
});
