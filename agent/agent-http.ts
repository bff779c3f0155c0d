import { createServer, type Server } from 'node:http';
import { listen } from './listen.js';
import type { Registry } from 'prom-client';

export interface AgentHttpOptions {
  readonly port: number;
  readonly bindAddress: string;
  /** /healthz answers 503 once the last finished sync is older than this. */
  readonly maxSyncAgeMs: number;
}

export interface AgentHttpDeps {
  readonly registry: Registry;
  /** Milliseconds since the agent last finished a sync (see NodeAgent.millisSinceLastSync). */
  readonly millisSinceLastSync: () => number;
}

export interface AgentHttpServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * GET /metrics and GET /healthz. Liveness means "the loop still turns": a sync that fails
 * (no interface, ip refusing) still counts, since restarting the pod would not fix it and
 * the error counter says what is wrong.
 */
export async function startAgentHttp(options: AgentHttpOptions, deps: AgentHttpDeps): Promise<AgentHttpServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    if (path === '/healthz') {
      const age = deps.millisSinceLastSync();
      const ok = age <= options.maxSyncAgeMs;
      res
        .writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' })
        .end(ok ? 'ok\n' : `last sync finished ${Math.round(age / 1000)} s ago (limit ${Math.round(options.maxSyncAgeMs / 1000)} s)\n`);
      return;
    }
    if (path === '/metrics') {
      deps.registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': deps.registry.contentType }).end(body),
        () => res.writeHead(500, { 'content-type': 'text/plain' }).end('cannot collect metrics\n'),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics or /healthz\n');
  });
  return listen(server, options.port, options.bindAddress, () => server.closeAllConnections());
}
