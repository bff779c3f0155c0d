import { createServer, type RequestListener, type Server } from 'node:http';

/**
 * Node's defaults let a client hold a connection for minutes (headers 60 s, a request 300 s),
 * whoever it is. Alertmanager sends a whole body at once over a cluster network, so a short
 * bound costs nothing and a slow or refused client is let go soon.
 */
export const HTTP_TIMEOUTS = { headersMs: 10_000, requestMs: 30_000, keepAliveMs: 5_000 } as const;

/** The node:http server every HTTP surface of the controller runs on (no listen() here). */
export function createHttpServer(listener: RequestListener, timeouts: { readonly [K in keyof typeof HTTP_TIMEOUTS]: number } = HTTP_TIMEOUTS): Server {
  const server = createServer(
    // Node checks the two timeouts every connectionsCheckingInterval (default 30 s).
    { headersTimeout: timeouts.headersMs, requestTimeout: timeouts.requestMs, connectionsCheckingInterval: Math.min(1000, timeouts.headersMs) },
    listener,
  );
  server.keepAliveTimeout = timeouts.keepAliveMs;
  return server;
}
