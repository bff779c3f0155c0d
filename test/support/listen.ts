import type { Server as HttpServer } from 'node:http';
import type { AddressInfo, Server } from 'node:net';

/** Listens on an ephemeral port of 127.0.0.1: the port, and the http:// URL of it. */
export async function listenOnLoopback(server: Server): Promise<{ port: number; url: string }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { port, url: `http://127.0.0.1:${port}` };
}

/** listenOnLoopback, and a close that ends the open connections too (a kept-alive one would hold it up). */
export async function serveOnLoopback(server: HttpServer): Promise<{ port: number; url: string; close: () => Promise<void> }> {
  const { port, url } = await listenOnLoopback(server);
  const close = (): Promise<void> =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return { port, url, close };
}
