import { Registry, collectDefaultMetrics } from 'prom-client';
import { createKubeCluster, discoverKubeConfig } from '../src/kube/index.js';
import { createLogger } from '../src/logging/winston-logger.js';
import { createKubeMetrics } from '../src/metrics/kube-metrics.js';
import { stopOnSignal } from '../src/cli/stop-on-signal.js';
import { systemClock } from '../src/ports/clock.js';
import type { Logger } from '../src/ports/logger.js';
import { AgentOptionsError, agentOptionsFromEnv } from './agent-options.js';
import type { IpLink } from './ip-link.js';
import { runAgent, type RunningAgent } from './main.js';

export interface StartedAgent {
  readonly agent: RunningAgent;
  /** Stops the loop, the HTTP server and the watches. Addresses stay in place. */
  stop(): Promise<void>;
}

/**
 * The agent's composition root: settings from `env`, a Kubernetes view of this node and the
 * FailoverIPs, the first lists awaited (an empty view would read as "everything deleted"),
 * then the agent. Throws AgentOptionsError on invalid settings. `overrides` is for tests.
 */
export async function startAgentFromEnv(env: NodeJS.ProcessEnv, overrides: { readonly link?: IpLink; readonly logger?: Logger } = {}): Promise<StartedAgent> {
  const options = agentOptionsFromEnv(env);
  const host = env['KUBERNETES_SERVICE_HOST'];
  const logger = overrides.logger ?? createLogger({ level: options.logLevel, format: options.logFormat ?? (host === undefined ? 'text' : 'json') });
  const kubeConfig = discoverKubeConfig({ kubeconfig: options.kubeconfig })?.kubeConfig ?? null;
  if (kubeConfig === null) throw new AgentOptionsError(['no Kubernetes configuration: KUBECONFIG unset, no ~/.kube/config and not in a cluster']);
  const registry = new Registry();
  // No `node` label here: the PodMonitor adds it from the pod's node (deploy/monitoring).
  if (options.clusterLabel !== undefined) registry.setDefaultLabels({ cluster: options.clusterLabel });
  collectDefaultMetrics({ register: registry });
  const namespace = env['POD_NAMESPACE'] ?? 'ipshift';
  const namespaces = options.failoverIPNamespaces ?? [namespace];
  const kube = createKubeCluster({
    kubeConfig,
    namespace,
    // Only the namespaces the install names; status changes too: holder-only follows
    // status.desiredNode/assignedNode, and the Accepted condition gates every FailoverIP.
    ...(namespaces === '*' ? {} : { failoverIPNamespaces: namespaces }),
    failoverIPStatusChanges: true,
    logger,
    clock: systemClock,
    metrics: createKubeMetrics(registry),
    nodeName: options.nodeName,
    // The agent places addresses by the controller's decision; it reads no pods and may not.
    watchPods: false,
  });
  await kube.start();
  let agent: RunningAgent;
  try {
    agent = await runAgent(options, {
      cluster: kube.view,
      logger,
      registry,
      searchPath: env['PATH'] ?? '',
      ...(overrides.link === undefined ? {} : { link: overrides.link }),
    });
  } catch (error) {
    await kube.stop();
    throw error;
  }
  return {
    agent,
    stop: async () => {
      await agent.stop();
      await kube.stop();
    },
  };
}

/** `ipshift agent [--]`: runs until SIGTERM/SIGINT; exit code 2 on invalid settings. */
export async function runAgentFromEnv(_argv: readonly string[] = [], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let started: StartedAgent;
  try {
    started = await startAgentFromEnv(env);
  } catch (error) {
    if (error instanceof AgentOptionsError) {
      process.stderr.write(`ipshift agent: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  stopOnSignal(started, 8_000, (signal) => `ipshift agent: ${signal}: stopping; addresses stay in place`);
}
