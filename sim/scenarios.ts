import type { NodeTruth } from './kubernetes.js';
import type { Endpoint, OutageKind } from './provider.js';
import type { World } from './world.js';

export interface ScheduledEvent {
  readonly at: number;
  readonly apply: (world: World) => void;
}

export interface Scenario {
  readonly name: string;
  readonly description: string;
  /** Failures (the IP's node stops serving) are what this scenario is about. */
  readonly failures: boolean;
  /** Packet loss the scenario sets for the whole run (parts per million). */
  readonly lossPpm?: number;
  build(random: () => number, durationMs: number): ScheduledEvent[];
}

const MIN = 60_000;
const uniform = (random: () => number, low: number, high: number): number => low + (high - low) * random();

/** Incident start times: the first after 15 min, then at least 90 min apart (mean gap 4 h). */
function incidentTimes(random: () => number, durationMs: number): number[] {
  const times: number[] = [];
  let t = 15 * MIN;
  while (t < durationMs - 2 * 60 * MIN) {
    times.push(Math.round(t));
    t += 90 * MIN - Math.log(1 - random()) * 150 * MIN;
  }
  return times;
}

/** Nodes each world has handed to an unfinished incident (per world: worlds diverge). */
const busy = new WeakMap<World, Set<string>>();
const busyIn = (world: World): Set<string> => {
  let set = busy.get(world);
  if (set === undefined) {
    set = new Set();
    busy.set(world, set);
  }
  return set;
};

/**
 * The node an incident hits in this world: with probability `holderShare` the node the IP is
 * routed to right now, else another one; never a node already in an incident. The draws are
 * made up front so that every world sees the same ones.
 */
function chooseTarget(world: World, holderDraw: number, pickDraw: number, holderShare: number): string | null {
  const taken = busyIn(world);
  const holder = world.provider.routed;
  if (holderDraw < holderShare && !taken.has(holder)) {
    world.tally.holderIncidents++;
    return holder;
  }
  const others = world.names.filter((n) => n !== holder && !taken.has(n));
  return others.length === 0 ? null : (others[Math.floor(pickDraw * others.length)] as string);
}

/**
 * The node one incident holds in each world: claimed at its start (chooseTarget, then marked
 * busy so that no other incident takes it), released at its end.
 */
function incidentNode(holderDraw: number, pickDraw: number, holderShare: number) {
  const chosen = new WeakMap<World, string>();
  return {
    claim(world: World): string | null {
      const node = chooseTarget(world, holderDraw, pickDraw, holderShare);
      if (node === null) return null;
      chosen.set(world, node);
      busyIn(world).add(node);
      return node;
    },
    of: (world: World): string | undefined => chosen.get(world),
    release(world: World): string | undefined {
      const node = chosen.get(world);
      if (node !== undefined) busyIn(world).delete(node);
      return node;
    },
  };
}

/** One incident: `start` breaks the chosen node, `end` (after `durationMs`) heals it. */
function incident(at: number, durationMs: number, holderDraw: number, pickDraw: number, holderShare: number, broken: Partial<NodeTruth>): ScheduledEvent[] {
  const target = incidentNode(holderDraw, pickDraw, holderShare);
  const healed: Partial<NodeTruth> = Object.fromEntries(Object.keys(broken).map((k) => [k, k === 'memoryPressure' || k === 'diskPressure' ? false : true]));
  return [
    {
      at,
      apply: (world) => {
        const node = target.claim(world);
        if (node !== null) world.setTruth(node, broken);
      },
    },
    {
      at: at + durationMs,
      apply: (world) => {
        const node = target.release(world);
        if (node !== undefined) world.setTruth(node, healed);
      },
    },
  ];
}

const HOLDER_SHARE = 0.6;

const simpleScenario = (
  name: string,
  description: string,
  failures: boolean,
  minMin: number,
  maxMin: number,
  broken: (random: () => number) => Partial<NodeTruth>,
): Scenario => ({
  name,
  description,
  failures,
  build(random, durationMs) {
    return incidentTimes(random, durationMs).flatMap((at) =>
      incident(at, Math.round(uniform(random, minMin, maxMin) * MIN), random(), random(), HOLDER_SHARE, broken(random)),
    );
  },
});

export const crash = simpleScenario(
  'crash',
  'A node loses power (kubelet, node-exporter and the failover IP stop at once); back after 10–60 min. 60 % of incidents hit the node holding the IP.',
  true,
  10,
  60,
  () => ({ powered: false }),
);

export const partition = simpleScenario(
  'partition',
  'A node is cut off from everything (API server, Prometheus, the Internet) but keeps running; Kubernetes only notices when the lease expires. 2–30 min.',
  true,
  2,
  30,
  () => ({ controlPlane: false, scrapePath: false, uplink: false }),
);

export const uplinkLoss = simpleScenario(
  'uplink-loss',
  'A node loses its public uplink only: the failover IP is unreachable there while the private network (API server, Prometheus scrapes) is fine. 2–30 min.',
  true,
  2,
  30,
  () => ({ uplink: false }),
);

export const pressure = simpleScenario('pressure', 'Memory or disk pressure on a node for 2–20 min; the node keeps serving.', false, 2, 20, (random) =>
  random() < 0.5 ? { memoryPressure: true } : { diskPressure: true },
);

/** For an hour, bursts of `broken` lasting `burstS` seconds, every 1–5 min, on one node that keeps serving. */
const burstScenario = (
  name: string,
  description: string,
  burstS: readonly [number, number],
  broken: (random: () => number) => Partial<NodeTruth>,
): Scenario => ({
  name,
  description,
  failures: false,
  build(random, durationMs) {
    const events: ScheduledEvent[] = [];
    for (const at of incidentTimes(random, durationMs)) {
      const holderDraw = random();
      const pickDraw = random();
      const target = incidentNode(holderDraw, pickDraw, HOLDER_SHARE);
      events.push({ at, apply: (world) => target.claim(world) });
      let t = at + Math.round(uniform(random, 5, 60) * 1000);
      while (t < at + 60 * MIN) {
        const burst = Math.round(uniform(random, burstS[0], burstS[1]) * 1000);
        const patch = broken(random);
        const healed: Partial<NodeTruth> = Object.fromEntries(Object.keys(patch).map((k) => [k, true]));
        events.push({ at: t, apply: (world) => flap(world, target.of(world), patch) });
        events.push({ at: t + burst, apply: (world) => flap(world, target.of(world), healed) });
        t += burst + Math.round(uniform(random, 60, 300) * 1000);
      }
      events.push({ at: t, apply: (world) => target.release(world) });
    }
    return events;
  },
});

export const flapping = burstScenario(
  'flapping',
  "For an hour a node's signals flap: node-exporter scrapes and/or kubelet lease renewals fail for 5–60 s every 1–5 min. The node keeps serving throughout.",
  [5, 60],
  (random) => {
    const kind = random();
    return kind < 1 / 3 ? { exporterOk: false } : kind < 2 / 3 ? { leaseOk: false } : { exporterOk: false, leaseOk: false };
  },
);

/** The cost side of ipshift's own probe: short blackouts of the private network only. */
export const blips = burstScenario(
  'blips',
  "For an hour a node's private network (API server, scrapes, ipshift's probe) drops everything for 1–5 s every 1–5 min; the public uplink is fine, so the node keeps serving.",
  [1, 5],
  () => ({ controlPlane: false, scrapePath: false }),
);

function flap(world: World, node: string | undefined, patch: Partial<NodeTruth>): void {
  if (node !== undefined) world.setTruth(node, patch);
}

/** The provider misbehaves for 2–20 min (`kind`, on `endpoint`), and the node holding the IP crashes during it. */
const outageScenario = (name: string, description: string, kind: OutageKind, endpoint: Endpoint): Scenario => ({
  name,
  description,
  failures: true,
  build(random, durationMs) {
    return incidentTimes(random, durationMs).flatMap((at) => {
      const length = Math.round(uniform(random, 2, 20) * MIN);
      const crashAt = at + Math.round(random() * 0.8 * length);
      return [
        { at, apply: (world: World) => world.provider.addOutage(at, at + length, kind, endpoint) },
        ...incident(crashAt, Math.round(uniform(random, 10, 60) * MIN), 0, random(), 1, { powered: false }),
      ];
    });
  },
});

export const providerOutage = outageScenario(
  'provider-outage',
  'The provider API and its token endpoint answer 5xx for 2–20 min; the node holding the IP crashes during the outage (back after 10–60 min).',
  '5xx',
  'both',
);

export const providerHang = outageScenario(
  'provider-hang',
  'The provider API and its token endpoint accept connections and never answer for 2–20 min (the held connections are reset when it ends); the node holding the IP crashes during it.',
  'hang',
  'both',
);

export const providerHangHeld = outageScenario(
  'provider-hang-held',
  'What-if: as provider-hang, but the connections held during the hang are never reset (the provider came back without dropping them): a request sent into the hang is never answered.',
  'hang-held',
  'both',
);

export const tokenOutage = outageScenario(
  'token-outage',
  'Only the token endpoint (the login realm) answers 5xx for 2–20 min, the API itself works; the node holding the IP crashes during it.',
  '5xx',
  'token',
);

/** The holder crashes, then 1–4.5 min later the node that holds the IP then crashes too: the second move meets the provider's 5-minute limit. */
export const rateLimit: Scenario = {
  name: 'rate-limit',
  description:
    "The holder crashes; 60–270 s later the node holding the IP by then crashes too, so the second failover meets the provider's one-move-per-5-min limit. Both back after 10–60 min.",
  failures: true,
  build(random, durationMs) {
    return incidentTimes(random, durationMs).flatMap((at) => {
      const second = at + Math.round(uniform(random, 60, 270) * 1000);
      return [
        ...incident(at, Math.round(uniform(random, 10, 60) * MIN), 0, random(), 1, { powered: false }),
        ...incident(second, Math.round(uniform(random, 10, 60) * MIN), 0, random(), 1, { powered: false }),
      ];
    });
  },
};

/**
 * 2 % of all packets lost, independently, on every path for the whole run, and nothing else
 * wrong: every move here is needless. The world applies the loss (timings.packetLossPpm) to the
 * agent's ARP checks and ipshift's node probe; TCP retransmits hide it from scrapes, webhooks and
 * the kubelet's Lease renewals (each has seconds to spare), so those are not touched.
 */
export const loss: Scenario = {
  name: 'loss',
  description:
    "2 % of packets lost on every path for the whole run (ARP checks of the agent and ipshift's node probe see it; a connect or an ARP fails when either of its two packets is lost).",
  failures: false,
  lossPpm: 20_000,
  build: () => [],
};

export const SCENARIOS: readonly Scenario[] = [
  crash,
  partition,
  uplinkLoss,
  pressure,
  flapping,
  blips,
  loss,
  providerOutage,
  providerHang,
  providerHangHeld,
  tokenOutage,
  rateLimit,
];
