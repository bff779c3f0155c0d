import { BY_HOLDER, holderMap, holderNode, namedNode, nodeIndexOf, type NodeIndex } from './alert-mapping.js';
import { classifyAlert, type AlertClass, type AlertPolicy } from './alert-policy.js';
import { decide, degradedSince, waitsForGrace, type Decision, type DecisionInput } from './decide.js';
import { candidate, candidateMask, ineligibility, type Candidate, type EligibilityRules } from './eligibility.js';
import { alertClassBit, issueBit, nodeHealthFrom, type NodeHealth } from './health.js';
import { matchesSelector, selectorKey } from './label-selector.js';
import { familiesOf, ruleOutInUse, ServerClaims } from './one-per-server.js';
import { fnv1a } from './stable-hash.js';
import type { LabelSelector, NodeFacts } from './model.js';

export interface PassAlert {
  readonly fingerprint: string;
  readonly labels: Readonly<Record<string, string>>;
  /** When the alert started (epoch ms); decides which holder a FailoverIP alert is about. */
  readonly startsAt?: number;
}

/** One FailoverIP as the pass sees it: its eligibility rules plus the per-FailoverIP part of decide()'s input. */
export interface PassFailoverIP
  extends
    Omit<EligibilityRules, 'nodeSelector'>,
    Pick<
      DecisionInput,
      'assignedNode' | 'cooldownMs' | 'gracePeriodMs' | 'spread' | 'paused' | 'moveTo' | 'lastMoveAt' | 'blockedUntil' | 'holderDegradedSince' | 'checkFailures'
    > {
  /** `namespace/name`. */
  readonly key: string;
  readonly addresses: readonly string[];
  readonly nodeSelector?: LabelSelector;
  /** Since when the holder holds the IP, and who held it before (for alerts about the IP). */
  readonly holderSince?: number | null;
  readonly previousHolder?: string | null;
  /**
   * The provider routes at most one address (per family) to a server (DigitalOcean): nodes
   * holding another such FailoverIP's address are ruled out (`server-in-use`, one-per-server.ts).
   */
  readonly onePerServer?: boolean;
  /** Nodes the provider itself reported as holding an address already (a refused move): ruled out too. */
  readonly serversInUse?: ReadonlySet<string>;
}

export interface PassInput {
  readonly now: number;
  readonly nodes: readonly NodeFacts[];
  readonly alerts: readonly PassAlert[];
  readonly policy: AlertPolicy;
  readonly failoverIPs: readonly PassFailoverIP[];
  /** Nodes ipshift's own probe judged unresponsive (see reachability.ts). */
  readonly unresponsive?: ReadonlySet<string>;
  /**
   * The alert view is stale (watchdog alert or Alertmanager sync overdue). Then a holder's
   * alerts alone never move its IP; Kubernetes facts and the probe still do, and the alerts
   * still rank the targets. Why: with the alert path broken, the alerts held may be ones whose
   * "resolved" was lost, and "no alert" on a target says nothing, so an alert-only move trades
   * a holder that Kubernetes and the probe both vouch for against a guess, inside a cooldown
   * that forbids taking it back. A holder that is really gone still leaves: those two
   * witnesses do not depend on Alertmanager.
   */
  readonly alertsStale?: boolean;
  /** Kept by the caller from pass to pass (createPassMemo); without it every pass starts cold. */
  readonly memo?: PassMemo;
}

/**
 * What a pass may reuse from earlier passes, keyed by object identity: the node index per node
 * list, and per alert label set its class and the node it names. The caller owns it, so the
 * core keeps no state between calls; weak keys let dropped alerts and node lists go.
 */
export interface PassMemo {
  readonly indexes: WeakMap<object, NodeIndex>;
  readonly alerts: WeakMap<object, AlertFacts>;
  /** Per node list: positions and name hashes (they depend on the names alone). */
  readonly layouts: WeakMap<object, NodeLayout>;
  /** Per node object: its last health and the alert bits it came from. */
  readonly health: WeakMap<object, KnownHealth>;
  /** Per node health: the candidate objects made from it, one per verdict (see sharedCandidate). */
  readonly candidates: WeakMap<NodeHealth, Candidate[]>;
  /** The last pass's health map and candidate lists, reused while every node's health is unchanged. */
  last: LastPass | null;
}

export function createPassMemo(): PassMemo {
  return { indexes: new WeakMap(), alerts: new WeakMap(), layouts: new WeakMap(), health: new WeakMap(), candidates: new WeakMap(), last: null };
}

interface ListSets {
  readonly ready?: ReadonlySet<string>;
  readonly endpoints?: ReadonlySet<string>;
  readonly servers?: ReadonlySet<string>;
  readonly remapped?: ReadonlySet<string>;
  readonly list: readonly Candidate[];
}

interface NodeLayout {
  readonly position: ReadonlyMap<string, number>;
  readonly nameHashes: readonly number[];
}

interface KnownHealth {
  readonly bits: number;
  readonly info: number;
  readonly health: NodeHealth;
}

interface LastPass {
  readonly nodes: readonly NodeFacts[];
  readonly healths: readonly NodeHealth[];
  readonly map: ReadonlyMap<string, NodeHealth>;
  readonly lists: ReadonlyMap<string, ListSets>;
}

// Why the pass reuses what it built last time: its results (a health per node, a candidate per
// node and distinct selector) are alive while the pass runs, so the young generation promotes
// them; rebuilt every pass they filled the old space and its collections were the p99 spikes.
function layoutOf(nodes: readonly NodeFacts[], memo: PassMemo | undefined): NodeLayout {
  const known = memo?.layouts.get(nodes);
  if (known !== undefined) return known;
  const layout: NodeLayout = { position: new Map(nodes.map((node, i) => [node.name, i])), nameHashes: nodes.map((node) => fnv1a(node.name)) };
  memo?.layouts.set(nodes, layout);
  return layout;
}

function healthOf(node: NodeFacts, bits: number, info: number, memo: PassMemo | undefined): NodeHealth {
  const known = memo?.health.get(node);
  if (known !== undefined && known.bits === bits && known.info === info) return known.health;
  const health = nodeHealthFrom(node, bits, info);
  memo?.health.set(node, { bits, info, health });
  return health;
}

export interface MappedAlert {
  readonly fingerprint: string;
  readonly alertname: string;
  readonly cls: AlertClass;
}

export interface FailoverIPPlan {
  readonly key: string;
  readonly decision: Decision;
  readonly candidates: readonly Candidate[];
  /** To store for the next pass (see decide.ts `degradedSince`). */
  readonly holderDegradedSince: number | null;
}

export interface PassResult {
  readonly nodes: ReadonlyMap<string, NodeHealth>;
  /** Alerts with a health class that name no node we know. */
  readonly unmapped: readonly MappedAlert[];
  readonly plans: readonly FailoverIPPlan[];
}

const UNRESPONSIVE_BIT = issueBit('unresponsive');
const ALERT_BITS = alertClassBit('down') | alertClassBit('drain') | alertClassBit('degraded');
const STALE_NOTE = "; the alert view is stale, so the holder's alerts alone do not move the IP";

export interface AlertFacts {
  readonly index: NodeIndex;
  readonly policy: AlertPolicy;
  readonly cls: AlertClass;
  readonly named: string | null | typeof BY_HOLDER;
}

// An alert's class and the node its labels name depend only on the labels, the policy and the
// node index; passes see the same label objects again and again (20,000 alerts: a third of a
// pass went into classifying and resolving them anew), hence the caller's memo.
function alertFacts(labels: Readonly<Record<string, string>>, index: NodeIndex, policy: AlertPolicy, memo: PassMemo | undefined): AlertFacts {
  const known = memo?.alerts.get(labels);
  if (known !== undefined && known.index === index && known.policy === policy) return known;
  const facts: AlertFacts = { index, policy, cls: classifyAlert(labels, policy), named: namedNode(labels, index, policy) };
  memo?.alerts.set(labels, facts);
  return facts;
}
const NO_HOLDINGS: ReadonlyMap<string, number> = new Map();

/**
 * One full decision pass: alerts → nodes, node health, then one decision per FailoverIP in
 * key order. Later FailoverIPs see the earlier ones' targets, so spread holds within a pass.
 */
export function planPass(input: PassInput): PassResult {
  const index = nodeIndexOf(input.nodes, input.memo?.indexes);
  const holders = holderMap(input.failoverIPs);

  // Alerts fold straight into per-node bits and counts (by position): at 20,000 alerts, a
  // list per node would cost more than the decisions themselves.
  const { position, nameHashes } = layoutOf(input.nodes, input.memo);
  const signalBits = new Int32Array(input.nodes.length);
  const infoCount = new Int32Array(input.nodes.length);
  const unmapped: MappedAlert[] = [];
  for (const alert of input.alerts) {
    const facts = alertFacts(alert.labels, index, input.policy, input.memo);
    const cls = facts.cls;
    if (cls === 'ignore') continue;
    const node = facts.named === BY_HOLDER ? holderNode(alert.labels, input.policy, holders, alert.startsAt) : facts.named;
    const at = node === null ? undefined : position.get(node);
    if (at === undefined) {
      unmapped.push({ fingerprint: alert.fingerprint, alertname: alert.labels['alertname'] ?? '', cls });
      continue;
    }
    signalBits[at] = (signalBits[at] ?? 0) | alertClassBit(cls);
    if (cls === 'info') infoCount[at] = (infoCount[at] ?? 0) + 1;
  }

  for (const name of input.unresponsive ?? []) {
    const at = position.get(name);
    if (at !== undefined) signalBits[at] = (signalBits[at] ?? 0) | UNRESPONSIVE_BIT;
  }

  const healths = input.nodes.map((node, i) => healthOf(node, signalBits[i] ?? 0, infoCount[i] ?? 0, input.memo));
  const last = input.memo?.last;
  const unchanged = last !== undefined && last !== null && last.nodes === input.nodes && healths.every((h, i) => h === last.healths[i]);
  let health: ReadonlyMap<string, NodeHealth>;
  if (unchanged) health = last.map;
  else {
    const built = new Map<string, NodeHealth>();
    input.nodes.forEach((node, i) => built.set(node.name, healths[i] as NodeHealth));
    health = built;
  }

  // How many FailoverIPs each node holds, by position: read once per candidate per FailoverIP.
  const heldAt = new Int32Array(input.nodes.length);
  const bump = (node: string | null, by: number): void => {
    const at = node === null ? undefined : position.get(node);
    if (at !== undefined) heldAt[at] = (heldAt[at] ?? 0) + by;
  };
  for (const fip of input.failoverIPs) bump(fip.assignedNode, 1);
  const claims = new ServerClaims();
  for (const fip of input.failoverIPs) if (fip.onePerServer === true) claims.claim(fip.key, fip.assignedNode, familiesOf(fip.addresses));

  // Why lists share candidate objects: FailoverIPs with other selectors, pod sets or provider
  // accounts mostly agree on a node (a node outside one selector is outside it the same way for
  // every FailoverIP of that selector), so a node has a few verdicts, not one per list. At 5,000
  // nodes and 28 distinct lists, 140,000 objects (18 MiB alive between passes) became about 10,000.
  const variants = input.memo?.candidates ?? new WeakMap<NodeHealth, Candidate[]>();
  const sharedCandidate = (node: NodeFacts, health: NodeHealth, fip: PassFailoverIP, nameHash: number, position: number): Candidate => {
    const reason = ineligibility(node, health, fip, matchesSelector(node.labels, fip.nodeSelector));
    const mask = candidateMask(health, reason, fip.onCordon);
    let known = variants.get(health);
    if (known === undefined) variants.set(health, (known = []));
    for (const c of known) if (c.ineligibility === reason && c.mask === mask && c.position === position && c.name === node.name) return c;
    const made: Candidate = { name: node.name, mask, eligible: reason === null, ineligibility: reason, infoWeight: health.infoWeight, nameHash, position };
    known.push(made);
    return made;
  };

  const setIds = new Map<ReadonlySet<string>, number>();
  const idOf = (set: ReadonlySet<string> | undefined): number => {
    if (set === undefined) return 0;
    let id = setIds.get(set);
    if (id === undefined) {
      id = setIds.size + 1;
      setIds.set(set, id);
    }
    return id;
  };
  // FailoverIPs with the same selector, pod set and server set share one candidate list: with
  // thousands of nodes, building a list per FailoverIP would dominate the pass.
  const lists = new Map<string, readonly Candidate[]>();
  const listSets = new Map<string, ListSets>();
  const listFor = (fip: PassFailoverIP): readonly Candidate[] => {
    const key = `${selectorKey(fip.nodeSelector)}|${idOf(fip.readyPodNodes)}|${idOf(fip.readyEndpointNodes)}|${idOf(fip.nodesWithServer)}|${idOf(fip.serverRemapped)}|${fip.onCordon ?? 'move'}`;
    let list = lists.get(key);
    if (list === undefined) {
      const before = unchanged ? last.lists.get(key) : undefined;
      list =
        before !== undefined &&
        before.ready === fip.readyPodNodes &&
        before.endpoints === fip.readyEndpointNodes &&
        before.servers === fip.nodesWithServer &&
        before.remapped === fip.serverRemapped
          ? before.list
          : input.nodes.map((node, i) => sharedCandidate(node, healths[i] as NodeHealth, fip, nameHashes[i] as number, i));
      lists.set(key, list);
      listSets.set(key, {
        ...(fip.readyPodNodes === undefined ? {} : { ready: fip.readyPodNodes }),
        ...(fip.readyEndpointNodes === undefined ? {} : { endpoints: fip.readyEndpointNodes }),
        ...(fip.nodesWithServer === undefined ? {} : { servers: fip.nodesWithServer }),
        ...(fip.serverRemapped === undefined ? {} : { remapped: fip.serverRemapped }),
        list,
      });
    }
    return list;
  };

  const plans: FailoverIPPlan[] = [];
  const ordered = [...input.failoverIPs].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const fip of ordered) {
    let candidates = listFor(fip);
    const families = fip.onePerServer === true ? familiesOf(fip.addresses) : null;
    if (families !== null) {
      const inUse = claims.inUseFor(fip.key, families);
      for (const node of fip.serversInUse ?? []) if (node !== fip.assignedNode) inUse.add(node);
      candidates = ruleOutInUse(candidates, inUse);
    }
    bump(fip.assignedNode, -1);
    const at = fip.assignedNode === null ? undefined : position.get(fip.assignedNode);
    let holder = at === undefined ? undefined : candidates[at];
    let alertsSetAside = false;
    if (input.alertsStale === true && at !== undefined && holder !== undefined && (holder.mask & ALERT_BITS) !== 0) {
      // The holder as Kubernetes and the probe alone see it; a copy of the shared list (rare).
      const node = input.nodes[at] as NodeFacts;
      const trusted = candidate(
        node,
        nodeHealthFrom(node, (signalBits[at] ?? 0) & ~ALERT_BITS, infoCount[at] ?? 0),
        fip,
        matchesSelector(node.labels, fip.nodeSelector),
        nameHashes[at],
        at,
      );
      candidates = candidates.map((c, i) => (i === at ? trusted : c));
      holder = trusted;
      alertsSetAside = true;
    }
    const holderDegraded = holder !== undefined && holder.eligible && waitsForGrace(holder.mask, fip.onCordon);
    const since = degradedSince(fip.holderDegradedSince, holderDegraded, input.now);
    const decision = decide({
      now: input.now,
      failoverIP: fip.key,
      assignedNode: fip.assignedNode,
      candidates,
      holdings: NO_HOLDINGS,
      heldAt,
      cooldownMs: fip.cooldownMs,
      gracePeriodMs: fip.gracePeriodMs,
      spread: fip.spread,
      paused: fip.paused,
      moveTo: fip.moveTo,
      lastMoveAt: fip.lastMoveAt,
      blockedUntil: fip.blockedUntil,
      holderDegradedSince: since,
      ...(fip.onCordon === undefined ? {} : { onCordon: fip.onCordon }),
      ...(fip.checkFailures === undefined ? {} : { checkFailures: fip.checkFailures }),
    });
    bump(decision.target, 1);
    // Later FailoverIPs of the pass see this one's target as taken.
    if (families !== null) claims.claim(fip.key, decision.target, families);
    plans.push({
      key: fip.key,
      decision: alertsSetAside ? { ...decision, message: decision.message + STALE_NOTE } : decision,
      candidates,
      holderDegradedSince: since,
    });
  }
  if (input.memo !== undefined) input.memo.last = { nodes: input.nodes, healths, map: health, lists: listSets };
  return { nodes: health, unmapped, plans };
}
