import express, { type Express, type Router } from 'express';
import type { Registry } from 'prom-client';
import { buildState, type StateSources } from './state.js';
import { renderStatusPage } from './status-page.js';

export interface ServerOptions {
  readonly state: StateSources;
  readonly registry: Registry;
  /** Ready once the first reconcile ran (the view is warm). */
  readonly ready: () => boolean;
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
  app.get('/api/v1/state', (_req, res) => {
    res.set('cache-control', 'no-store').json(buildState(options.state));
  });
  app.get('/', (_req, res) => {
    res
      .set('cache-control', 'no-store')
      .type('html')
      .send(renderStatusPage(buildState(options.state)));
  });
  app.get('/metrics', async (_req, res) => {
    res.set('content-type', options.registry.contentType).send(await options.registry.metrics());
  });
  app.get('/healthz', (_req, res) => {
    res.type('text').send('ok');
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
