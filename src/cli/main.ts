#!/usr/bin/env node
// The one binary: `ipshift controller` (default), `ipshift agent`, `ipshift netcup-login`.
import { parseArgs } from 'node:util';
import { describeStartError, type ListenSettings } from './start-errors.js';
import { errorMessage } from '../errors.js';
import { VERSION } from './version.js';
import { stopOnSignal } from './stop-on-signal.js';

const USAGE = `Usage: ipshift [command] [--help]

Keeps a failover IP on the healthiest Kubernetes node.

Commands:
  controller     the service (default): webhook, API, status page, metrics, moves
  agent          the node agent: keeps the failover addresses on this node's interface
  netcup-login   the netcup device-flow login that creates the credentials Secret
  help           show this text

Options:
  -h, --help     show this text, or a command's with \`ipshift <command> --help\`
  -v, --version  print the version

Settings come from the environment (IPSHIFT_*); see the README, "Configuration".
`;

const CONTROLLER_USAGE = `Usage: ipshift controller

Runs the controller. Without a reachable cluster (no kubeconfig, no in-cluster service account,
or no answer within 3 s) or with IPSHIFT_SANDBOX=1 it runs the built-in sandbox on localhost.
Every setting is an environment variable (IPSHIFT_PORT, IPSHIFT_BIND, IPSHIFT_WEBHOOK_TOKEN, ...),
validated at start; the README's "Configuration" lists them all.

Options:
  -h, --help     show this text
`;

const AGENT_USAGE = `Usage: ipshift agent

Runs the node agent (DaemonSet, hostNetwork, NET_ADMIN): adds and removes the failover
addresses on this node's interface. Needs NODE_NAME (downward API) and a cluster; settings
are IPSHIFT_AGENT_* environment variables (docs/agent.md).

Options:
  -h, --help     show this text
`;

/** A command line the user got wrong: the message, then exit 2. */
class UsageError extends Error {}

/** Only --help for controller and agent: anything else is refused rather than ignored. */
function wantsHelp(command: string, args: string[]): boolean {
  try {
    const { values } = parseArgs({ args, options: { help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false });
    return values.help === true;
  } catch (error) {
    throw new UsageError(`ipshift ${command}: ${errorMessage(error)}. See \`ipshift ${command} --help\`.`);
  }
}

const LISTEN: Record<string, ListenSettings> = {
  controller: { port: 'IPSHIFT_PORT', bind: 'IPSHIFT_BIND' },
  agent: { port: 'IPSHIFT_AGENT_PORT', bind: 'IPSHIFT_AGENT_BIND' },
};

async function main(argv: string[]): Promise<void> {
  const [first, ...rest] = argv;
  switch (first) {
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(USAGE);
      return;
    case '-v':
    case '--version':
    case 'version':
      process.stdout.write(`ipshift ${VERSION}\n`);
      return;
    case undefined:
    case 'controller': {
      if (wantsHelp('controller', rest)) {
        process.stdout.write(CONTROLLER_USAGE);
        return;
      }
      const { runController } = await import('./controller.js');
      stopOnSignal(await runController(), 10_000, (signal) => `ipshift: ${signal}: shutting down`);
      return;
    }
    case 'agent': {
      if (wantsHelp('agent', rest)) {
        process.stdout.write(AGENT_USAGE);
        return;
      }
      const { runAgentFromEnv } = await import('./agent-command.js');
      await runAgentFromEnv([]);
      return;
    }
    case 'netcup-login': {
      const { runNetcupLoginCommand } = await import('./netcup-login-command.js');
      // It parses its own flags (strict); -h is the same as --help everywhere.
      process.exitCode = await runNetcupLoginCommand(rest.map((arg) => (arg === '-h' ? '--help' : arg)));
      return;
    }
    default:
      throw new UsageError(
        first.startsWith('-')
          ? `ipshift: unknown option "${first}". See \`ipshift --help\`.`
          : `ipshift: unknown command "${first}". Commands: controller, agent, netcup-login, help. See \`ipshift --help\`.`,
      );
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  const command = process.argv[2] === 'agent' ? 'agent' : 'controller';
  process.stderr.write(`ipshift ${command}: cannot start: ${describeStartError(error, LISTEN[command] ?? LISTEN['controller']!)}\n`);
  // The stack is for developers, on request only.
  if (process.env['IPSHIFT_LOG_LEVEL'] === 'debug' && error instanceof Error && error.stack !== undefined) process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
