#!/usr/bin/env node
// The one binary: `ipshift controller` (default), `ipshift agent`, `ipshift netcup-login`.
import { runController } from './controller.js';

async function main(argv: string[]): Promise<void> {
  const [command = 'controller', ...rest] = argv;
  switch (command) {
    case 'controller': {
      const running = await runController();
      let stopping = false;
      const shutdown = (signal: string): void => {
        if (stopping) return;
        stopping = true;
        process.stderr.write(`ipshift: ${signal}: shutting down\n`);
        const hard = setTimeout(() => process.exit(1), 10_000);
        hard.unref();
        running.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.on('SIGTERM', () => shutdown('SIGTERM'));
      process.on('SIGINT', () => shutdown('SIGINT'));
      return;
    }
    case 'agent': {
      const { runAgentFromEnv } = await import('./agent-command.js');
      await runAgentFromEnv(rest);
      return;
    }
    case 'netcup-login': {
      const { runNetcupLoginCommand } = await import('./netcup-login-command.js');
      process.exitCode = await runNetcupLoginCommand(rest);
      return;
    }
    default:
      process.stderr.write(`ipshift: unknown command "${command}". Commands: controller, agent, netcup-login\n`);
      process.exit(2);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`ipshift: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
