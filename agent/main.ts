import { Registry } from 'prom-client';
import { createAgentMetrics } from '../src/metrics/agent-metrics.js';
import { systemClock, type Clock } from '../src/ports/clock.js';
import type { ClusterView } from '../src/ports/cluster.js';
import type { Logger } from '../src/ports/logger.js';
import { NodeAgent } from './agent.js';
import { startAgentHttp } from './agent-http.js';
import { readBootId, startIdentityResponder, type IdentityResponder } from './identity-responder.js';
import { UplinkMonitor } from './uplink-monitor.js';
import { AgentOptionsError, type AgentRuntimeOptions } from './agent-options.js';
import { Iproute2Link } from './iproute2-link.js';
import type { IpLink } from './ip-link.js';
import { FileLedgerStore, type LedgerStore } from './ledger.js';

export { agentOptionsFromEnv, AgentOptionsError, type AgentRuntimeOptions } from './agent-options.js';

export interface RunAgentDeps {
  /**
   * The cluster view for this node (the Kubernetes adapter with its `nodeName` option), with
   * its initial list already loaded: an empty FailoverIP list would read as "all deleted".
   */
  readonly cluster: ClusterView;
  readonly logger: Logger;
  /** Default: a fresh Registry. */
  readonly registry?: Registry;
  readonly clock?: Clock;
  /** Default: iproute2 in the current network namespace. */
  readonly link?: IpLink;
  /** Default: `<stateDir>/ledger.json`. */
  readonly ledger?: LedgerStore;
  /** Default: the kernel's (/proc/sys/kernel/random/boot_id). */
  readonly bootId?: string;
  /** Where to look for the optional arping / ndsend binaries (default: $PATH). */
  readonly searchPath?: string;
}

export interface RunningAgent {
  /** The port /metrics and /healthz listen on (useful with port 0). */
  readonly port: number;
  /** The node probe's port, or null when it is off. */
  readonly probePort: number | null;
  readonly agent: NodeAgent;
  readonly registry: Registry;
  /** Stops the loop and the HTTP server. Addresses stay where they are: traffic keeps flowing. */
  stop(): Promise<void>;
}

/** Starts `ipshift agent`: HTTP and the probe port first (so probes answer), then the first sync and the loop. */
export async function runAgent(options: AgentRuntimeOptions, deps: RunAgentDeps): Promise<RunningAgent> {
  const clock = deps.clock ?? systemClock;
  const registry = deps.registry ?? new Registry();
  const logger = deps.logger;
  const metrics = createAgentMetrics(registry);
  const link = deps.link ?? new Iproute2Link({ searchPath: deps.searchPath ?? process.env.PATH ?? '' }, { logger });
  const ledger = deps.ledger ?? new FileLedgerStore({ stateDir: options.stateDir });
  const agent = new NodeAgent(
    {
      nodeName: options.nodeName,
      mode: options.mode,
      fallbackInterface: options.fallbackInterface,
      nativeIPv6Prefix: options.nativeIPv6Prefix,
      resyncIntervalMs: options.resyncIntervalMs,
      addressPolicy: { allowDocumentation: options.allowDocumentationAddresses },
      clusterCidrs: options.clusterCidrs,
    },
    { cluster: deps.cluster, link, ledger, metrics, logger, clock },
  );
  const bindAddress = options.bindAddress ?? internalIP(deps.cluster, options.nodeName);
  const http = await startAgentHttp(
    { port: options.port, bindAddress, maxSyncAgeMs: Math.max(3 * options.resyncIntervalMs, 60_000) },
    { registry, millisSinceLastSync: () => agent.millisSinceLastSync() },
  );
  let responder: IdentityResponder | null = null;
  try {
    if (options.probePort !== 0)
      responder = await startIdentityResponder({ port: options.probePort, identity: { node: options.nodeName, bootId: deps.bootId ?? (await readBootId()) } });
    await agent.start();
  } catch (error) {
    await responder?.close();
    await http.close();
    throw error;
  }
  const checkGateway = link.checkGateway?.bind(link);
  const uplink =
    checkGateway === undefined || options.uplinkIntervalMs === 0
      ? null
      : new UplinkMonitor(
          { intervalMs: options.uplinkIntervalMs, failures: options.uplinkFailures },
          { check: checkGateway, metrics, logger: logger.child({ component: 'uplink' }), clock },
        );
  uplink?.start();
  logger.info('agent started', {
    node: options.nodeName,
    mode: options.mode,
    port: http.port,
    bindAddress,
    probePort: responder?.port ?? null,
    stateDir: options.stateDir,
    uplinkCheck: uplink !== null,
    fallbackInterface: options.fallbackInterface ?? null,
  });
  return {
    port: http.port,
    probePort: responder?.port ?? null,
    agent,
    registry,
    stop: async () => {
      await uplink?.stop();
      await agent.stop();
      await responder?.close();
      await http.close();
    },
  };
}

/**
 * Where /metrics and /healthz listen when IPSHIFT_AGENT_BIND is unset: the node's first
 * address as its Node lists it, InternalIP first (what the kubelet's probes and Prometheus
 * reach). A Node without addresses is a start error, not a silent 0.0.0.0.
 */
export function internalIP(cluster: ClusterView, nodeName: string): string {
  const node = cluster.nodes().find((n) => n.name === nodeName);
  // NodeFacts lists InternalIPs before ExternalIPs.
  const address = node?.addresses[0];
  if (address === undefined) {
    throw new AgentOptionsError([
      `IPSHIFT_AGENT_BIND is unset and Node ${nodeName} ${node === undefined ? 'is not visible' : 'lists no address'}: set IPSHIFT_AGENT_BIND (deploy/agent/daemonset.yaml uses status.hostIP)`,
    ]);
  }
  return address;
}
