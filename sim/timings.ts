import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { AGENT_DEFAULTS } from '../agent/agent-options.js';
import { SETTINGS } from '../src/config/settings.js';
import { DEFAULT_RETRY_POLICY } from '../src/retry/with-retry.js';

/**
 * Every delay the simulation uses, in milliseconds, with where it comes from. The node-signal
 * rules and the Alertmanager route are read from the files ipshift ships, so the simulation
 * measures those and not a copy that could drift.
 */
export interface Timings {
  // Kubernetes: kubelet and node-lifecycle controller defaults.
  readonly leaseRenewMs: number;
  readonly nodeMonitorGraceMs: number;
  readonly nodeMonitorPeriodMs: number;
  /** kubelet --eviction-pressure-transition-period: a pressure condition stays True this long after it clears. */
  readonly pressureTransitionMs: number;
  // Prometheus and the shipped rules (rules/node-signals.rules.yaml, docs/observability.md §3).
  readonly scrapeIntervalMs: number;
  /** A scrape of an unreachable target fails only when it times out. */
  readonly scrapeTimeoutMs: number;
  readonly probeIntervalMs: number;
  readonly probeTimeoutMs: number;
  readonly ruleIntervalMs: number;
  readonly forMs: Readonly<Record<SignalRule, number>>;
  readonly prometheusToAlertmanagerMs: number;
  // Alertmanager (deploy/monitoring/alertmanagerconfig.yaml).
  readonly groupWaitMs: number;
  readonly groupIntervalMs: number;
  readonly webhookMs: number;
  // Controllers.
  readonly watchMs: number;
  readonly reconcileStartMs: number;
  readonly statusPatchMs: number;
  readonly ipshiftResyncMs: number;
  readonly ipshiftTaskPollMs: number;
  /** ipshift's own node probe (IPSHIFT_NODE_PROBE_*); 0 turns it off. */
  readonly nodeProbeIntervalMs: number;
  /** A count, not a duration: silent rounds before `unresponsive`. */
  readonly nodeProbeFailures: number;
  readonly controllerRuntimeTaskPollMs: number;
  // ipshift's leader election (IPSHIFT_LEASE_*): a dead leader's Lease is taken after it expires,
  // a resigned one within a retry period.
  readonly leaseDurationMs: number;
  readonly leaseRetryPeriodMs: number;
  // The agent's uplink check (agent/uplink-monitor.ts): ARP for the gateway every interval, each
  // ARP waits up to 1 s; `ipshift_agent_uplink_up` 0 after `uplinkFailures` misses in a row.
  readonly uplinkIntervalMs: number;
  readonly uplinkFailures: number;
  /** Independent loss of each packet on every path, in parts per million (the `loss` scenario sets it). */
  readonly packetLossPpm: number;
  readonly leaseRenewDeadlineMs: number;
  /** One request to the Kubernetes API server (a Secret read or write, a status write). */
  readonly kubeCallMs: number;
  // Provider (netcup; src/emulators/netcup). The token endpoint is served from the same host.
  readonly apiRoundTripMs: number;
  /** netcup's access tokens live 300 s (expires_in of its token answers); 0: a static API token, never refreshed (Hetzner, DigitalOcean). */
  readonly accessTokenLifetimeMs: number;
  // ipshift's provider client (src/providers/netcup, src/retry/with-retry.ts, src/reconcile).
  readonly ipshiftRequestTimeoutMs: number;
  readonly ipshiftTokenMarginMs: number;
  readonly ipshiftRetryDeadlineMs: number;
  /** A count, not a duration. */
  readonly ipshiftRetryAttempts: number;
  readonly ipshiftRetryBaseMs: number;
  readonly ipshiftRetryMaxMs: number;
  readonly ipshiftRoutingRefreshMs: number;
  readonly ipshiftRoutingReadDeadlineMs: number;
  readonly ipshiftMoveDeadlineMs: number;
  readonly ipshiftTaskDeadlineMs: number;
  /** A checked move's identity probe of the target before routing (src/reconcile/checked-move.ts): a connect inside the cluster. */
  readonly ipshiftTargetCheckMs: number;
  // The peers' clients (their sources, cited in sim/policies/*).
  /** go-netcup-scp's auth manager: http.Client{Timeout: 30 s} for the token endpoint; its API client has none. */
  readonly netcupControllerTokenTimeoutMs: number;
  readonly netcupControllerTaskTimeoutMs: number;
  readonly netcupControllerRateLimitRequeueMs: number;
  readonly foipRequeueMs: number;
  readonly taskMs: number;
  readonly providerMoveWindowMs: number;
  // Measurement.
  readonly flipFlopWindowMs: number;
}

export const SIGNAL_RULES = ['IpshiftNodeNotReady', 'IpshiftNodeExporterDown', 'IpshiftFailoverIPProbeFailed', 'IpshiftNodeUplinkDown'] as const;
export type SignalRule = (typeof SIGNAL_RULES)[number];

const root = (path: string): string => fileURLToPath(new URL(`../${path}`, import.meta.url));

/** Prometheus durations as used in the shipped files: `10s`, `1m`, `1m30s`, `0s`. */
export function parseDuration(text: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = text.trim();
  if (rest === '' || rest === '0') return 0;
  while (rest.length > 0) {
    const match = /^(\d+)(ms|s|m|h)/.exec(rest);
    if (match === null) throw new Error(`cannot parse duration ${text}`);
    total += Number(match[1]) * (units[match[2] as string] as number);
    rest = rest.slice(match[0].length);
  }
  return total;
}

interface RuleFile {
  groups: Array<{ name: string; interval?: string; rules: Array<{ alert?: string; for?: string }> }>;
}

/** The `for:` of each node signal and the group's evaluation interval, from the shipped rules. */
export function shippedRuleTimings(path = root('rules/node-signals.rules.yaml')): { ruleIntervalMs: number; forMs: Record<SignalRule, number> } {
  const file = parse(readFileSync(path, 'utf8')) as RuleFile;
  const forMs = {} as Record<SignalRule, number>;
  let ruleIntervalMs = 0;
  for (const group of file.groups) {
    for (const rule of group.rules) {
      const name = rule.alert as SignalRule | undefined;
      if (name === undefined || !SIGNAL_RULES.includes(name)) continue;
      forMs[name] = parseDuration(rule.for ?? '0s');
      ruleIntervalMs = parseDuration(group.interval ?? '1m');
    }
  }
  for (const name of SIGNAL_RULES) if (forMs[name] === undefined) throw new Error(`${path}: rule ${name} not found`);
  return { ruleIntervalMs, forMs };
}

interface AlertmanagerConfig {
  spec: { route: { groupWait?: string; groupInterval?: string } };
}

/** group_wait and group_interval of ipshift's shipped receiver route. */
export function shippedRouteTimings(path = root('deploy/monitoring/alertmanagerconfig.yaml')): { groupWaitMs: number; groupIntervalMs: number } {
  const file = parse(readFileSync(path, 'utf8')) as AlertmanagerConfig;
  return { groupWaitMs: parseDuration(file.spec.route.groupWait ?? '30s'), groupIntervalMs: parseDuration(file.spec.route.groupInterval ?? '5m') };
}

export function defaultTimings(): Timings {
  const rules = shippedRuleTimings();
  const route = shippedRouteTimings();
  return {
    leaseRenewMs: 10_000,
    nodeMonitorGraceMs: 50_000, // Kubernetes ≥ 1.32 (kubernetes PR #126287); 40 s before: --set nodeMonitorGraceMs=40000
    nodeMonitorPeriodMs: 5_000,
    pressureTransitionMs: 300_000,
    scrapeIntervalMs: 5_000, // docs/observability.md: scrape the inputs every 5 s for the shipped windows
    scrapeTimeoutMs: 4_500,
    probeIntervalMs: 5_000, // the Probe example in docs/observability.md
    probeTimeoutMs: 4_500, // blackbox: scrape timeout minus its 0.5 s offset
    ruleIntervalMs: rules.ruleIntervalMs,
    forMs: rules.forMs,
    prometheusToAlertmanagerMs: 10,
    groupWaitMs: route.groupWaitMs,
    groupIntervalMs: route.groupIntervalMs,
    webhookMs: 20,
    watchMs: 100,
    reconcileStartMs: 100,
    statusPatchMs: 20,
    ipshiftResyncMs: 60_000, // IPSHIFT_NODE_RESYNC_SCHEDULE default
    ipshiftTaskPollMs: 1_500, // netcup provider taskPollIntervalMs default
    nodeProbeIntervalMs: SETTINGS.nodeProbeIntervalMs.fallback,
    nodeProbeFailures: SETTINGS.nodeProbeFailures.fallback,
    controllerRuntimeTaskPollMs: 2_000, // both netcup controllers poll tasks every 2 s (foip-operator internal/netcup/client.go; netcup-failover-controller internal/netcup/client.go defaultTaskPollInterval)
    leaseDurationMs: SETTINGS.leaseDurationSeconds.fallback * 1000,
    leaseRetryPeriodMs: SETTINGS.leaseRetryPeriodSeconds.fallback * 1000,
    uplinkIntervalMs: AGENT_DEFAULTS.uplinkIntervalMs,
    uplinkFailures: AGENT_DEFAULTS.uplinkFailures,
    packetLossPpm: 0,
    leaseRenewDeadlineMs: SETTINGS.leaseRenewDeadlineSeconds.fallback * 1000,
    kubeCallMs: 20,
    apiRoundTripMs: 200,
    accessTokenLifetimeMs: 300_000,
    ipshiftRequestTimeoutMs: 30_000, // createNetcupProvider's requestTimeoutMs default
    ipshiftTokenMarginMs: 30_000, // createNetcupProvider's tokenRefreshMarginMs default
    ipshiftRetryDeadlineMs: DEFAULT_RETRY_POLICY.deadlineMs,
    ipshiftRetryAttempts: DEFAULT_RETRY_POLICY.maxAttempts,
    ipshiftRetryBaseMs: DEFAULT_RETRY_POLICY.baseDelayMs,
    ipshiftRetryMaxMs: DEFAULT_RETRY_POLICY.maxDelayMs,
    ipshiftRoutingRefreshMs: SETTINGS.routingRefreshSeconds.fallback * 1000,
    ipshiftRoutingReadDeadlineMs: 30_000, // Reconciler routingReadDeadlineMs default
    ipshiftMoveDeadlineMs: 300_000, // Reconciler moveDeadlineMs default
    ipshiftTaskDeadlineMs: 120_000, // createNetcupProvider's taskDeadlineMs default
    ipshiftTargetCheckMs: 2, // assumption: one round trip on the private network
    netcupControllerTokenTimeoutMs: 30_000,
    netcupControllerTaskTimeoutMs: 120_000, // internal/netcup/client.go defaultTaskTimeout
    netcupControllerRateLimitRequeueMs: 300_000, // internal/controller/failoverip_controller.go rateLimitRequeue
    foipRequeueMs: 86_400_000, // internal/controller/failoverip_controller.go defaultRequeueTime
    taskMs: 800, // netcup emulator default: "live tasks took 0.4–0.8 s"
    providerMoveWindowMs: 300_000,
    flipFlopWindowMs: 30 * 60_000,
  };
}

/**
 * What-if runs: `key=value` pairs override numeric timings (`for.IpshiftFailoverIPProbeFailed=0`
 * for a rule's `for`). Values are milliseconds.
 */
export function withOverrides(base: Timings, pairs: readonly string[]): Timings {
  const result: Record<string, unknown> = { ...base, forMs: { ...base.forMs } };
  for (const pair of pairs) {
    const match = /^([\w.]+)=(\d+)$/.exec(pair);
    if (match === null) throw new Error(`--set ${pair}: expected key=milliseconds`);
    const [, key, value] = match as unknown as [string, string, string];
    if (key.startsWith('for.')) {
      const rule = key.slice(4) as SignalRule;
      if (!SIGNAL_RULES.includes(rule)) throw new Error(`--set ${pair}: unknown rule ${rule}`);
      (result['forMs'] as Record<string, number>)[rule] = Number(value);
    } else {
      if (typeof result[key] !== 'number') throw new Error(`--set ${pair}: unknown timing ${key}`);
      result[key] = Number(value);
    }
  }
  return result as unknown as Timings;
}
