import { connect, type Socket } from 'node:net';
import { Secret } from '../config/secret.js';
import { createCapturingLogger } from '../../test/support/capturing-logger.js';
import { makeStore, fixtureText } from '../../test/alertmanager/helpers.js';
import { createAlertmanagerWebhookHandler, webhookFirst } from './alertmanager-webhook.js';
import { createHttpServer } from './http-server.js';
import { serveOnLoopback } from '../../test/support/listen.js';

/** Resolves with what the server sent once it closes the connection (bounded: the test's own timeout). */
function untilServerCloses(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

async function start(timeouts = { headersMs: 300, requestMs: 600, keepAliveMs: 300 }) {
  const kit = makeStore();
  const logger = createCapturingLogger();
  const handler = createAlertmanagerWebhookHandler({
    auth: { bearerToken: new Secret('tok') },
    store: kit.store,
    clock: kit.clock,
    logger,
    metrics: kit.metrics,
  });
  const server = createHttpServer(
    webhookFirst(handler, (_req, res) => res.writeHead(404).end()),
    timeouts,
  );
  const served = await serveOnLoopback(server);
  return {
    kit,
    logger,
    port: served.port,
    close: async () => {
      kit.store.stop();
      await served.close();
    },
  };
}

describe("the controller's HTTP server and refused clients", () => {
  it('a refused request gets its 401 and the connection closed, even on keep-alive', async () => {
    const s = await start({ headersMs: 10_000, requestMs: 30_000, keepAliveMs: 60_000 });
    try {
      const socket = connect(s.port, '127.0.0.1');
      const closed = untilServerCloses(socket);
      socket.write(
        `POST /webhook/alertmanager HTTP/1.1\r\nhost: x\r\nconnection: keep-alive\r\ncontent-type: application/json\r\nauthorization: Bearer nope\r\ncontent-length: 100000\r\n\r\n`,
      );
      const reply = await closed;
      expect(reply).toMatch(/^HTTP\/1\.1 401/);
      expect(reply.toLowerCase()).toContain('connection: close');
    } finally {
      await s.close();
    }
  });

  it('a client that never finishes its headers, or its body, is disconnected', async () => {
    const s = await start();
    try {
      const slowHeaders = connect(s.port, '127.0.0.1');
      const headersClosed = untilServerCloses(slowHeaders);
      slowHeaders.write('POST /webhook/alertmanager HTTP/1.1\r\nhost: x\r\n');
      const slowBody = connect(s.port, '127.0.0.1');
      const bodyClosed = untilServerCloses(slowBody);
      slowBody.write(
        `POST /webhook/alertmanager HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nauthorization: Bearer tok\r\ncontent-length: 1000\r\n\r\n{"version":`,
      );
      // Node answers 408 (or just closes) once the timeout passed; either way the socket is let go.
      expect(await headersClosed).not.toMatch(/^HTTP\/1\.1 200/);
      expect(await bodyClosed).not.toMatch(/^HTTP\/1\.1 200/);
    } finally {
      await s.close();
    }
  }, 20_000);

  it('401s are logged, at most one line a minute with the count of the rest', async () => {
    const s = await start({ headersMs: 10_000, requestMs: 30_000, keepAliveMs: 5_000 });
    try {
      const post = (authorization?: string) =>
        fetch(`http://127.0.0.1:${s.port}/webhook/alertmanager`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(authorization === undefined ? {} : { authorization }) },
          body: fixtureText('firing'),
        });
      for (let i = 0; i < 30; i++) expect((await post(i % 2 === 0 ? 'Bearer nope' : undefined)).status).toBe(401);
      const refused = (): string[] => s.logger.lines.filter((line) => line.includes('webhook request refused'));
      expect(refused()).toHaveLength(1);
      expect(refused()[0]).toContain('"why":"wrong credentials"');
      expect(refused()[0]).toContain('"remote":"127.0.0.1"');
      s.kit.clock.advance(60_000);
      expect((await post('Bearer nope')).status).toBe(401);
      expect(refused()).toHaveLength(2);
      expect(refused()[1]).toContain('"suppressedSinceLast":29');
    } finally {
      await s.close();
    }
  });
});
