import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { listen } from './listen.js';
import { formatIdentityLine, type ProbeIdentity } from '../src/core/probe-identity.js';

export interface IdentityResponderOptions {
  readonly port: number;
  /**
   * Default 0.0.0.0: the controller's node probe connects to this node's InternalIP and
   * ExternalIP and to every failover address the node holds, all on this port.
   */
  readonly bindAddress?: string;
  readonly identity: ProbeIdentity;
}

export interface IdentityResponder {
  readonly port: number;
  close(): Promise<void>;
}

/** The kernel's boot id: new on every boot, so a node that crashed and came back is told apart. */
export async function readBootId(path = '/proc/sys/kernel/random/boot_id'): Promise<string> {
  return (await readFile(path, 'utf8')).trim();
}

/**
 * The agent's probe port: writes the node's identity line (src/core/probe-identity.ts) on
 * every connect and closes, reading nothing. The node probe counts an answer for a node only
 * when it names that node: a controller pod on a node that carries a failover address is
 * answered by its own node, and the name says so. It reveals only the node's name and boot id.
 */
export async function startIdentityResponder(options: IdentityResponderOptions): Promise<IdentityResponder> {
  const line = Buffer.from(formatIdentityLine(options.identity), 'latin1');
  const server: Server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.end(line);
  });
  return listen(server, options.port, options.bindAddress ?? '0.0.0.0');
}
