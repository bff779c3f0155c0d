/**
 * Node issue classes, MOST SEVERE FIRST. A node's health is the set of issues it has,
 * compared lexicographically in this order (see health.ts). The Kubernetes classes keep the
 * order netcup users know from foip-operator; alert classes sit after the Kubernetes facts of
 * the same tier, because the cluster's own view is the more conservative witness.
 *
 * Tier decides what happens to a holder with that issue:
 *   ineligible/down → move at once; drain → move at once (planned, outranks down nodes);
 *   degraded → move after the grace period.
 */
export const ISSUES = [
  'not-eligible', // per FailoverIP: deleted, not selected, no Ready matching pod, no ready Service endpoint, server remapped, no server id
  'network-unavailable', // NetworkUnavailable=True
  'ready-false', // Ready=False
  'ready-unknown', // Ready=Unknown or no Ready condition at all (foip-operator counts missing as healthy: we don't)
  'unreachable', // taint node.kubernetes.io/unreachable
  'unresponsive', // ipshift's own probe: silent for N rounds in a row while other nodes answered (reachability.ts)
  'alert-down', // an active alert of class `down`
  'alert-drain', // an active alert of class `drain`
  'cordoned', // spec.unschedulable
  'pid-pressure',
  'memory-pressure',
  'disk-pressure',
  'alert-degraded', // an active alert of class `degraded`
] as const;
export type Issue = (typeof ISSUES)[number];

export type Tier = 'healthy' | 'degraded' | 'drain' | 'down' | 'ineligible';

export const ISSUE_TIER: Readonly<Record<Issue, Exclude<Tier, 'healthy'>>> = {
  'not-eligible': 'ineligible',
  'network-unavailable': 'down',
  'ready-false': 'down',
  'ready-unknown': 'down',
  unreachable: 'down',
  unresponsive: 'down',
  'alert-down': 'down',
  'alert-drain': 'drain',
  cordoned: 'drain',
  'pid-pressure': 'degraded',
  'memory-pressure': 'degraded',
  'disk-pressure': 'degraded',
  'alert-degraded': 'degraded',
};

/**
 * Why a node may not hold a given FailoverIP at all (shown in state beside `not-eligible`).
 * `server-in-use`: its server holds another FailoverIP's address and the provider allows one
 * per server (DigitalOcean, one-per-server.ts).
 */
export const INELIGIBILITY = [
  'deleted',
  'excluded',
  'not-selected',
  'no-ready-pod',
  'no-ready-endpoint',
  'server-remapped',
  'no-server-id',
  'server-in-use',
  'down',
] as const;
export type Ineligibility = (typeof INELIGIBILITY)[number];
