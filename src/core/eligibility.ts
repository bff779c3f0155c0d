import { hasDownIssue, issueBit, type HealthMask, type NodeHealth } from './health.js';
import type { Ineligibility } from './issues.js';
import { matchesSelector } from './label-selector.js';
import type { LabelSelector, NodeFacts, OnCordon } from './model.js';
import { fnv1a } from './stable-hash.js';

/** What decides, for one FailoverIP, whether a node may hold it. */
export interface EligibilityRules {
  readonly nodeSelector?: LabelSelector;
  /** Nodes running a Ready pod that matches spec.podSelector; undefined when there is no podSelector. */
  readonly readyPodNodes?: ReadonlySet<string>;
  /**
   * Nodes with a ready endpoint of the LoadBalancer Service the FailoverIP serves, when that
   * Service has externalTrafficPolicy Local (kube-proxy drops what arrives elsewhere); undefined otherwise.
   */
  readonly readyEndpointNodes?: ReadonlySet<string>;
  /** Nodes whose provider server is known; undefined when the provider needs none (dry-run). */
  readonly nodesWithServer?: ReadonlySet<string>;
  /** Nodes whose provider server now differs from the one ipshift pinned (server-directory.ts): out until an operator confirms. */
  readonly serverRemapped?: ReadonlySet<string>;
  /** spec.policy.onCordon; `keep` takes the cordon out of every node's mask for this FailoverIP. */
  readonly onCordon?: OnCordon;
}

/**
 * The standard label (any value) that takes a node out of external load balancing; the
 * service controller honours it for LoadBalancer Services, and a failover IP is one.
 */
export const EXCLUDE_FROM_LB_LABEL = 'node.kubernetes.io/exclude-from-external-load-balancers';

/** One node as a candidate for one FailoverIP. */
export interface Candidate {
  readonly name: string;
  /** The node's health mask, plus the `not-eligible` bit when a per-FailoverIP rule excludes it. */
  readonly mask: HealthMask;
  readonly eligible: boolean;
  readonly ineligibility: Ineligibility | null;
  readonly infoWeight: number;
  /** fnv1a(name), the node's half of the tie-break hash (stable-hash.ts). */
  readonly nameHash: number;
  /** The node's position in the pass's node list (-1 outside a pass); indexes DecisionInput.heldAt. */
  readonly position: number;
}

/** The first rule a node breaks, or null. Order matters: it is the reason shown to the user. */
export function ineligibility(node: NodeFacts, health: NodeHealth, rules: EligibilityRules, selected?: boolean): Ineligibility | null {
  if (node.deleting) return 'deleted';
  if (node.labels[EXCLUDE_FROM_LB_LABEL] !== undefined) return 'excluded';
  if (!(selected ?? matchesSelector(node.labels, rules.nodeSelector))) return 'not-selected';
  if (rules.readyPodNodes !== undefined && !rules.readyPodNodes.has(node.name)) return 'no-ready-pod';
  if (rules.readyEndpointNodes !== undefined && !rules.readyEndpointNodes.has(node.name)) return 'no-ready-endpoint';
  if (rules.serverRemapped?.has(node.name) === true) return 'server-remapped';
  if (rules.nodesWithServer !== undefined && !rules.nodesWithServer.has(node.name)) return 'no-server-id';
  if (hasDownIssue(health.mask)) return 'down';
  return null;
}

const NOT_ELIGIBLE = issueBit('not-eligible');
const CORDONED = issueBit('cordoned');

export function candidate(
  node: NodeFacts,
  health: NodeHealth,
  rules: EligibilityRules,
  selected?: boolean,
  nameHash: number = fnv1a(node.name),
  position = -1,
): Candidate {
  const reason = ineligibility(node, health, rules, selected);
  return {
    name: node.name,
    mask: candidateMask(health, reason, rules.onCordon),
    eligible: reason === null,
    ineligibility: reason,
    infoWeight: health.infoWeight,
    nameHash,
    position,
  };
}

/** The candidate's mask: the node's health, plus `not-eligible` when a per-FailoverIP rule excludes it. */
export function candidateMask(health: NodeHealth, reason: Ineligibility | null, onCordon: OnCordon | undefined): HealthMask {
  // A down node is ineligible for its health alone: its mask already says so.
  const own = onCordon === 'keep' ? health.mask & ~CORDONED : health.mask;
  return reason === null || reason === 'down' ? own : own | NOT_ELIGIBLE;
}
