import express, { type Express, type Router } from 'express';
import type { Registry } from 'prom-client';
import type { Logger } from '../ports/logger.js';
import { rateLimitedLog } from '../logging/rate-limited.js';
import { createStateCache, type StateCacheSources } from './state-cache.js';
import { renderStatusPage } from './status-page.js';
import type { AuthChecker } from './webhook-auth.js';

export interface ServerOptions {
  readonly state: StateCacheSources;
  /** When set, the state API and the status page ask for these credentials (the webhook's). */
  readonly stateAuth?: AuthChecker;
  readonly logger?: Logger;
  readonly registry: Registry;
  /** Ready once the first reconcile ran (the view is warm). */
  readonly ready: () => boolean;
  /** Why this replica is not alive (a wedged reconcile loop), or null: /healthz fails with it, so the kubelet restarts the pod. */
  readonly wedged?: () => string | null;
  /** Extra routes (the sandbox's controls). */
  readonly extra?: Router;
}

/**
 * State API, status page, metrics and probes. The webhook is mounted in front of express by
 * the caller (webhookFirst): its hot path skips express's per-request work. No listen() here.
 */
export function createServer(options: ServerOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  const cache = createStateCache(options.state);
  const stateAuth = options.stateAuth;
  const logRefused = rateLimitedLog(
    (fields) => options.logger?.warn('state request refused: credentials', fields),
    60_000,
    () => options.state.now(),
  );
  const guard: express.RequestHandler = (req, res, next) => {
    if (stateAuth === undefined || stateAuth.check(req.headers.authorization)) {
      next();
      return;
    }
    logRefused({ path: req.path, remote: req.socket.remoteAddress });
    res
      .status(401)
      .set('www-authenticate', [...stateAuth.challenges])
      .set('connection', 'close')
      .json({ error: 'credentials required' });
  };
  // The cached bytes as they are: express's send() would hash them for an ETag on every request.
  const sendBytes = (res: express.Response, type: string, body: Buffer): void => {
    res.writeHead(200, { 'content-type': type, 'content-length': body.length, 'cache-control': 'no-store' }).end(body);
  };
  app.get('/api/v1/state', guard, (_req, res) => sendBytes(res, 'application/json; charset=utf-8', cache.get().json));
  app.get('/', guard, (_req, res) => sendBytes(res, 'text/html; charset=utf-8', cache.get().html(renderStatusPage)));
  app.get('/metrics', async (_req, res) => {
    res.set('content-type', options.registry.contentType).send(await options.registry.metrics());
  });
  app.get('/healthz', (_req, res) => {
    const wedged = options.wedged?.() ?? null;
    if (wedged === null) res.type('text').send('ok');
    else res.status(503).type('text').send(`not alive: ${wedged}`);
  });
  app.get('/readyz', (_req, res) => {
    if (options.ready()) res.type('text').send('ready');
    else res.status(503).type('text').send('not ready: no reconcile yet');
  });
  if (options.extra !== undefined) app.use(options.extra);
  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  return app;
}
