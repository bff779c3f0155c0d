import type { AlertClass } from '../../src/core/alert-policy.js';
import { bestCandidate, type DecisionInput } from '../../src/core/decide.js';
import { candidate, type Candidate } from '../../src/core/eligibility.js';
import { nodeHealth } from '../../src/core/health.js';
import { planPass, type PassFailoverIP, type PassInput, type PassResult } from '../../src/core/plan.js';
import { loadAlertPolicy } from '../../src/config/load-alert-policy.js';
import { nodeFacts, type NodeSpec } from './node-facts.js';

/** The moment the core's tests decide at. */
export const NOW = Date.parse('2026-11-23T12:00:00Z');

/**
 * A FailoverIP at rest, as both the decision pass and one decision take it: spread, not paused, no
 * manual move, never moved, no provider block, the holder not degraded; a 5-minute cooldown and a
 * 1-minute grace period. A test overrides only what it is about.
 */
const AT_REST = {
  cooldownMs: 300_000,
  gracePeriodMs: 60_000,
  spread: true,
  paused: false,
  moveTo: null,
  lastMoveAt: null,
  blockedUntil: null,
  holderDegradedSince: null,
} as const;

/** The alert policy as shipped. */
export const policy = loadAlertPolicy();

/** One decision pass at NOW under the shipped alert policy, without alerts unless given. */
export function runPass(input: Pick<PassInput, 'nodes' | 'failoverIPs'> & Partial<PassInput>): PassResult {
  return planPass({ now: NOW, alerts: [], policy, ...input });
}

/** One FailoverIP for `planPass`: routed nowhere and without addresses unless told otherwise. */
export function passFailoverIP(key: string, overrides: Partial<PassFailoverIP> = {}): PassFailoverIP {
  return { key, addresses: [], assignedNode: null, ...AT_REST, ...overrides };
}

/** The input of one `decide` call for default/web, held by `a`, no other FailoverIP on any node. */
export function decisionInput(candidates: readonly Candidate[], overrides: Partial<DecisionInput> = {}): DecisionInput {
  return { now: NOW, failoverIP: 'default/web', assignedNode: 'a', candidates, holdings: new Map(), ...AT_REST, ...overrides };
}

/** A node as a candidate: its health from its facts and the given alert classes, no eligibility rules. */
export function nodeCandidate(name: string, spec: NodeSpec = {}, alerts: readonly AlertClass[] = [], selected = true): Candidate {
  const facts = nodeFacts(name, spec);
  return candidate(facts, nodeHealth(facts, alerts), {}, selected);
}

/** Where default/web goes when its holder `down` goes down, by the core's own tie-break (a stable hash of FailoverIP and node). */
export function firstChoiceWhenDown<N extends string>(names: readonly N[], down: N): N {
  const candidates = names.map((name) => nodeCandidate(name, name === down ? { conditions: { Ready: 'False' } } : {}));
  const target = bestCandidate(candidates, { failoverIP: 'default/web', holdings: new Map(), spread: true }, down)?.name;
  if (target === undefined) throw new Error('no candidate');
  return target as N;
}
