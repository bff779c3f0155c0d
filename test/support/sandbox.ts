import { loadConfig } from '../../src/config/load-config.js';
import { silentLogger } from '../../src/ports/logger.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';

/**
 * The sandbox as `ipshift controller` starts it with IPSHIFT_SANDBOX=1 (and the settings in
 * `env`), on an ephemeral port of 127.0.0.1: its FailoverIP without a cooldown unless given, its
 * routing tasks quick. Resolves once the first pass has run.
 */
export async function startTestSandbox(env: Readonly<Record<string, string>> = {}, cooldownSeconds = 0): Promise<Sandbox> {
  const box = await startSandbox({
    config: loadConfig({ IPSHIFT_SANDBOX: '1', ...env }),
    logger: silentLogger,
    version: 'test',
    port: 0,
    host: '127.0.0.1',
    cooldownSeconds,
    taskDurationMs: 50,
  });
  await box.app.loop.idle();
  return box;
}

/** What the state page's API (/api/v1/state) answers, as the test reads it. */
export const stateOf = async <State>(url: string): Promise<State> => (await (await fetch(`${url}/api/v1/state`)).json()) as State;
