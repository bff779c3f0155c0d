import type { AlertClass } from './alert-policy.js';
import { ISSUES, ISSUE_TIER, type Issue, type Tier } from './issues.js';
import type { NodeFacts } from './model.js';

/**
 * A health vector packed into an integer: bit (n-1-i) is set when the node has ISSUES[i].
 * Because the most severe issue owns the highest bit, comparing two masks numerically is the
 * lexicographic comparison of the vectors: a smaller mask is a strictly healthier node.
 */
export type HealthMask = number;

const BIT: Readonly<Record<Issue, number>> = Object.fromEntries(ISSUES.map((issue, i) => [issue, 1 << (ISSUES.length - 1 - i)])) as Record<Issue, number>;

export const issueBit = (issue: Issue): number => BIT[issue];

export function maskOf(issues: Iterable<Issue>): HealthMask {
  let mask = 0;
  for (const issue of issues) mask |= BIT[issue];
  return mask;
}

/** The issues in a mask, most severe first. */
export function issuesOf(mask: HealthMask): Issue[] {
  return ISSUES.filter((issue) => (mask & BIT[issue]) !== 0);
}

/** The tier of the most severe issue; `healthy` for an empty mask. */
export function tierOf(mask: HealthMask): Tier {
  for (const issue of ISSUES) if ((mask & BIT[issue]) !== 0) return ISSUE_TIER[issue];
  return 'healthy';
}

const DOWN_MASK = maskOf(ISSUES.filter((i) => ISSUE_TIER[i] === 'down'));
export const hasDownIssue = (mask: HealthMask): boolean => (mask & DOWN_MASK) !== 0;

export const UNREACHABLE_TAINT = 'node.kubernetes.io/unreachable';
export const UNSCHEDULABLE_TAINT = 'node.kubernetes.io/unschedulable';

/** Issues that come from the Node object itself. Alerts are added by `alertIssues`. */
export function nodeObjectIssues(node: NodeFacts): Issue[] {
  const issues: Issue[] = [];
  const c = node.conditions;
  if (c['NetworkUnavailable'] === 'True') issues.push('network-unavailable');
  const ready = c['Ready'];
  if (ready === 'False') issues.push('ready-false');
  else if (ready !== 'True') issues.push('ready-unknown');
  if (node.taints.some((t) => t.key === UNREACHABLE_TAINT)) issues.push('unreachable');
  if (node.unschedulable || node.taints.some((t) => t.key === UNSCHEDULABLE_TAINT)) issues.push('cordoned');
  if (c['PIDPressure'] === 'True') issues.push('pid-pressure');
  if (c['MemoryPressure'] === 'True') issues.push('memory-pressure');
  if (c['DiskPressure'] === 'True') issues.push('disk-pressure');
  return issues;
}

const ALERT_ISSUE: Readonly<Partial<Record<AlertClass, Issue>>> = {
  down: 'alert-down',
  drain: 'alert-drain',
  degraded: 'alert-degraded',
};

/** Issues from the classes of the alerts active on one node; `info` only adds weight. */
export function alertIssues(classes: Iterable<AlertClass>): { issues: Issue[]; infoWeight: number } {
  const issues = new Set<Issue>();
  let infoWeight = 0;
  for (const cls of classes) {
    if (cls === 'info') infoWeight += 1;
    const issue = ALERT_ISSUE[cls];
    if (issue !== undefined) issues.add(issue);
  }
  return { issues: [...issues], infoWeight };
}

/** A node's health, shared by every FailoverIP (per-FailoverIP eligibility is added in eligibility.ts). */
export interface NodeHealth {
  readonly name: string;
  readonly mask: HealthMask;
  readonly issues: readonly Issue[];
  readonly tier: Tier;
  readonly infoWeight: number;
  readonly deleting: boolean;
}

export function nodeHealth(node: NodeFacts, alertClasses: Iterable<AlertClass> = []): NodeHealth {
  let alertMask = 0;
  let infoWeight = 0;
  for (const cls of alertClasses) {
    alertMask |= alertClassBit(cls);
    if (cls === 'info') infoWeight += 1;
  }
  return nodeHealthFrom(node, alertMask, infoWeight);
}

/** The health bit an alert class sets (0 for info and ignore). */
export function alertClassBit(cls: AlertClass): number {
  const issue = ALERT_ISSUE[cls];
  return issue === undefined ? 0 : BIT[issue];
}

/** nodeHealth from alert bits already gathered (a pass does that for all nodes at once). */
export function nodeHealthFrom(node: NodeFacts, alertMask: number, infoWeight: number): NodeHealth {
  let mask = alertMask;
  for (const issue of nodeObjectIssues(node)) mask |= BIT[issue];
  return { name: node.name, mask, issues: mask === 0 ? NO_ISSUES : issuesOf(mask), tier: tierOf(mask), infoWeight, deleting: node.deleting };
}

const NO_ISSUES: readonly Issue[] = Object.freeze([]);
