import type { NodeFacts } from './model.js';
import type { ProbeIdentity } from './probe-identity.js';

/**
 * ipshift's own probe of the nodes: a TCP connect to each probed node's address, once a round,
 * judged for one node.
 * `answered`: that node provably replied (see attributeAnswer).
 * `silent`: no reply before the timeout, or the host is unreachable.
 * `inconclusive`: the prober could not send (no route, no local address), or the reply may not
 * have come from that node: says nothing about it.
 */
export type ProbeResult = 'answered' | 'silent' | 'inconclusive';

/**
 * What one connect got back, before it is known whose answer it is.
 * `identified`: the agent's probe port wrote its identity line (probe-identity.ts).
 * `unidentified`: some kernel answered, but not with an identity: a reset (nothing listens), or
 * a listener that is not the agent's probe port.
 */
export type ProbeAnswer =
  ({ readonly kind: 'identified' } & ProbeIdentity) | { readonly kind: 'unidentified' } | { readonly kind: 'silent' } | { readonly kind: 'inconclusive' };

/**
 * Whether an answer counts for `node`. A pod on a node that carries an address is answered by
 * its own node's kernel, wherever the network routes that address: in the agent's all-eligible
 * mode every eligible node carries every failover address, so a reset there proves nothing
 * about the holder. Hence:
 * - an identity counts only for the node it names (another node's identity is inconclusive:
 *   a local delivery, or the provider routing the address elsewhere);
 * - an unidentified answer counts only where a local answer is impossible (`mayBeLocal`
 *   false: another node's own address, seen from a prober that knows its own node).
 */
export function attributeAnswer(answer: ProbeAnswer, node: string, mayBeLocal: boolean): ProbeResult {
  switch (answer.kind) {
    case 'identified':
      return answer.node === node ? 'answered' : 'inconclusive';
    case 'unidentified':
      return mayBeLocal ? 'inconclusive' : 'answered';
    default:
      return answer.kind;
  }
}

/**
 * One node's result from the probes of one round: its own addresses (InternalIP, ExternalIP)
 * and the failover addresses it holds. Any answer that counts for it means the node is up (a
 * node whose private network blinks still answers on its public address); it is silent only if
 * something was silent and nothing answered; probes that say nothing about it do not count.
 */
export function combineProbes(results: readonly ProbeResult[]): ProbeResult {
  if (results.includes('answered')) return 'answered';
  return results.includes('silent') ? 'silent' : 'inconclusive';
}

/**
 * Per address: a silent probe of an address that never answered says nothing (a firewall may
 * drop that port for good, say on the public side), so it becomes `inconclusive`. `heard` is
 * the addresses that answered before; the result keeps only the ones probed now.
 */
export function gateSilence(heard: ReadonlySet<string>, results: ReadonlyMap<string, ProbeResult>): { heard: Set<string>; results: Map<string, ProbeResult> } {
  const nextHeard = new Set<string>();
  const gated = new Map<string, ProbeResult>();
  for (const [address, result] of results) {
    const known = heard.has(address) || result === 'answered';
    if (known) nextHeard.add(address);
    gated.set(address, result === 'silent' && !known ? 'inconclusive' : result);
  }
  return { heard: nextHeard, results: gated };
}

export interface NodeReachability {
  /** Rounds in a row in which this node stayed silent while another node answered. */
  readonly silentRounds: number;
  /** A node is only judged once it has answered at least once: a port that a firewall drops
   *  for every round must not make a healthy node look dead. */
  readonly answeredOnce: boolean;
}

export type ReachabilityState = ReadonlyMap<string, NodeReachability>;

export interface RoundOutcome {
  readonly state: ReachabilityState;
  /** Nodes judged unresponsive after this round. */
  readonly unresponsive: ReadonlySet<string>;
  /** False when no node answered: the round said nothing about anyone (our own network may be down). */
  readonly counted: boolean;
}

/**
 * Folds one probe round into the state. A silent round counts against a node only when some
 * other node answered in the same round: that witness shows the prober's own path works, so a
 * partition on the controller's side never blames the holder. `self`, the node the prober runs
 * on, answers locally and so is never a witness. Nodes not probed this round are forgotten.
 */
export function foldRound(previous: ReachabilityState, results: ReadonlyMap<string, ProbeResult>, failuresToFlag: number, self?: string): RoundOutcome {
  let answering = 0;
  for (const [node, result] of results) if (result === 'answered' && node !== self) answering++;
  const state = new Map<string, NodeReachability>();
  const unresponsive = new Set<string>();
  for (const [node, result] of results) {
    const before = previous.get(node) ?? { silentRounds: 0, answeredOnce: false };
    let next: NodeReachability = before;
    if (result === 'answered') next = { silentRounds: 0, answeredOnce: true };
    else if (result === 'silent' && answering > 0) next = { ...before, silentRounds: before.silentRounds + 1 };
    state.set(node, next);
    if (next.answeredOnce && next.silentRounds >= failuresToFlag) unresponsive.add(node);
  }
  return { state, unresponsive, counted: answering > 0 };
}

/**
 * Which nodes a round probes: every holder, every node judged unresponsive (until it answers
 * again, so it is not picked as a target in the meantime), and up to `witnesses` other nodes
 * whose Ready condition is True, taken in name order so rounds are comparable.
 */
export function probeTargets(nodes: readonly NodeFacts[], holders: ReadonlySet<string>, unresponsive: ReadonlySet<string>, witnesses: number): NodeFacts[] {
  const chosen: NodeFacts[] = [];
  const others: NodeFacts[] = [];
  for (const node of nodes) {
    if (node.addresses.length === 0) continue;
    if (holders.has(node.name) || unresponsive.has(node.name)) chosen.push(node);
    else if (node.conditions['Ready'] === 'True') others.push(node);
  }
  others.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return [...chosen, ...others.slice(0, witnesses)];
}
