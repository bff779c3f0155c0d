import type { Server } from 'node:net';
import type { AddressInfo } from 'node:net';

/** A listening server: its port (0 asked for means the one picked) and a close that settles when it is closed. */
export interface Listening {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Listens on `port` at `host` and rejects on the listen error (a busy port) instead of throwing
 * it later as an unhandled 'error' event. `beforeClose` runs right after close() is asked for
 * (an HTTP server drops its keep-alive connections there, or close would wait for them).
 */
export async function listen(server: Server, port: number, host: string | undefined, beforeClose?: () => void): Promise<Listening> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        beforeClose?.();
      }),
  };
}
