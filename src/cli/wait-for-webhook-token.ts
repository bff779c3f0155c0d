import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { Config } from '../config/settings.js';
import { Secret } from '../config/secret.js';
import type { Logger } from '../ports/logger.js';
import { errorMessage } from '../errors.js';

export interface WaitOptions {
  readonly host: string;
  readonly port: number;
  /** How often the file is read again. The kubelet fills a Secret volume created late within about a minute. */
  readonly pollMs?: number;
}

/** The token in the file, or why there is none yet (a missing file is the normal case before the Secret exists). */
async function readToken(path: string): Promise<{ token: string } | { missing: string }> {
  try {
    const token = (await readFile(path, 'utf8')).trim();
    return token === '' ? { missing: 'the file is empty' } : { token };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { missing: code === 'ENOENT' ? 'the file does not exist' : `the file cannot be read (${code ?? errorMessage(error)})` };
  }
}

/**
 * With IPSHIFT_WEBHOOK_TOKEN_FILE (the ipshift-webhook Secret, mounted optional), the controller
 * may start before the Secret exists: the README creates it after `kubectl apply`. Exiting would
 * crash-loop the pod, so it waits instead: /healthz answers 200 (the kubelet does not restart it),
 * /readyz 503 (the Service sends it nothing), one log line says what is missing, and the file is
 * read again until the token is there. Then the real server takes over the port.
 */
export async function waitForWebhookToken(config: Config, logger: Logger, options: WaitOptions): Promise<Config> {
  const path = config.webhookTokenFile;
  if (path === undefined) return config;
  let state = await readToken(path);
  if ('token' in state) return { ...config, webhookToken: new Secret(state.token) };

  const waiting = `waiting for the webhook token in IPSHIFT_WEBHOOK_TOKEN_FILE=${path}: ${state.missing}. Create the Secret: kubectl -n <namespace> create secret generic ipshift-webhook --from-literal=token="$(openssl rand -hex 32)"`;
  logger.warn(waiting, { setting: 'IPSHIFT_WEBHOOK_TOKEN_FILE', path });
  const server = await listen(options, () => waiting);
  const pollMs = options.pollMs ?? 2000;
  try {
    while (!('token' in state)) {
      await new Promise((resolve) => setTimeout(resolve, pollMs));
      const next = await readToken(path);
      // A new kind of problem (say, a directory mounted at the path) is news; the same one again is not.
      if (!('token' in next) && next.missing !== state.missing) logger.warn(`webhook token file: ${next.missing}`, { path });
      state = next;
    }
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  logger.info('webhook token read; starting', { path });
  return { ...config, webhookToken: new Secret(state.token) };
}

function listen(options: WaitOptions, why: () => string): Promise<Server> {
  const server = createServer((request, response) => {
    const live = request.url === '/healthz';
    response.writeHead(live ? 200 : 503, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
    response.end(live ? 'ok\n' : `not ready: ${why()}\n`);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
