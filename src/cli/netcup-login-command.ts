import { spawn } from 'node:child_process';
import { discoverKubeConfig, upsertSecret, type KubeConfig } from '../kube/index.js';
import { runNetcupLogin } from './netcup-login.js';

function clusterConfig(env: NodeJS.ProcessEnv): KubeConfig | null {
  try {
    return discoverKubeConfig({ kubeconfig: env['KUBECONFIG'] })?.kubeConfig ?? null;
  } catch {
    return null;
  }
}

/** `ipshift netcup-login`: the device flow, wired to the terminal and (with --apply) the cluster. */
export async function runNetcupLoginCommand(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const kubeConfig = argv.includes('--apply') ? clusterConfig(env) : null;
  return runNetcupLogin(argv, {
    stdout: process.stdout,
    stderr: process.stderr,
    openUrl: (url) => {
      // Best effort: a desktop opens the page, a server prints it (already done) and moves on.
      const child = spawn('xdg-open', [url], { stdio: 'ignore', detached: true });
      child.on('error', () => undefined);
      child.unref();
    },
    ...(kubeConfig === null
      ? {}
      : {
          applySecret: async (namespace: string, name: string, values: Parameters<typeof upsertSecret>[3]) => {
            const result = await upsertSecret(kubeConfig, namespace, name, values);
            process.stdout.write(`Secret ${namespace}/${name} ${result}.\n`);
          },
        }),
  });
}
