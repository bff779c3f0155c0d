import { hostname } from 'node:os';
import { ConfigError, loadConfig, webhookAuthProblem } from '../config/load-config.js';
import type { Config } from '../config/settings.js';
import { createLogger } from '../logging/winston-logger.js';
import type { Logger } from '../ports/logger.js';
import { startSandbox } from '../sandbox/start-sandbox.js';
import { sandboxBanner } from './sandbox-banner.js';
import { discoverCluster, startClusterController } from './cluster-controller.js';
import { VERSION } from './version.js';
import { waitForWebhookToken } from './wait-for-webhook-token.js';

interface Running {
  stop(): Promise<void>;
}

/**
 * `ipshift controller`: the service. The sandbox runs only when asked for (IPSHIFT_SANDBOX=1)
 * or when no cluster configuration exists at all; a configured cluster that does not answer is
 * waited for (not Ready), never swapped for a simulated one.
 */
export async function runController(env: NodeJS.ProcessEnv = process.env): Promise<Running> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`ipshift: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const inCluster = env['KUBERNETES_SERVICE_HOST'] !== undefined;
  const logger: Logger = createLogger({ level: config.logLevel, format: config.logFormat ?? (inCluster ? 'json' : 'text') });
  const discovered = config.sandbox ? null : discoverCluster(config);
  if (discovered !== null) {
    const problem = webhookAuthProblem(config, false);
    if (problem !== null) {
      process.stderr.write(`ipshift: refusing to start: ${problem}\n`);
      process.exit(2);
    }
    const withToken = await waitForWebhookToken(config, logger, { host: config.bind ?? '0.0.0.0', port: config.port });
    return startClusterController({ config: withToken, logger, version: VERSION, identity: env['POD_NAME'] ?? hostname(), discovered });
  }
  if (!config.sandbox) logger.info('no cluster configuration (no KUBECONFIG, no ~/.kube/config, not in a pod): running the sandbox');
  const host = config.bind ?? '127.0.0.1';
  const box = await startSandbox({ config, logger, version: VERSION, port: config.port, host });
  await box.app.loop.idle();
  const holder = box.app.reconciler.snapshot().failoverIPs[0]?.memory.assignedNode ?? null;
  process.stdout.write(`\n${sandboxBanner(box.url.replace('127.0.0.1', 'localhost'), holder, config.webhookToken?.reveal())}\n\n`);
  return box;
}
