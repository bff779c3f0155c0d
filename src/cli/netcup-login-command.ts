import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadKubeConfig, upsertSecret } from '../kube/index.js';
import { runNetcupLogin } from './netcup-login.js';

function clusterConfig(env: NodeJS.ProcessEnv): ReturnType<typeof loadKubeConfig> {
  const host = env['KUBERNETES_SERVICE_HOST'];
  const path = env['KUBECONFIG'] ?? `${env['HOME'] ?? ''}/.kube/config`;
  try {
    return loadKubeConfig({
      ...(existsSync(path) ? { kubeconfigPath: path } : {}),
      ...(host === undefined ? {} : { inCluster: { host, port: env['KUBERNETES_SERVICE_PORT'] ?? '443' } }),
    });
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
