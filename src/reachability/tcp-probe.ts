import { Socket } from 'node:net';
import type { ProbeResult } from '../core/reachability.js';

/** One probe of one address; never rejects. */
export type Probe = (address: string, port: number, timeoutMs: number) => Promise<ProbeResult>;

/**
 * Classified once, here: a reset means a kernel answered (the node is up even if nothing
 * listens on the port); no reply or "host unreachable" (ARP/NDP got no answer) means silent;
 * errors about our own side (no route, no source address, a full socket table) say nothing
 * about the node.
 */
export function classifyConnectError(code: string | undefined): ProbeResult {
  switch (code) {
    case 'ECONNREFUSED':
    case 'ECONNRESET':
      return 'answered';
    case 'EHOSTUNREACH':
    case 'EHOSTDOWN':
    case 'ETIMEDOUT':
      return 'silent';
    default:
      return 'inconclusive';
  }
}

/** A TCP connect to `address:port`, closed as soon as it settles. */
export const tcpProbe: Probe = (address, port, timeoutMs) =>
  new Promise<ProbeResult>((resolve) => {
    const socket = new Socket();
    let settled = false;
    const settle = (result: ProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => settle('silent'), timeoutMs);
    socket.once('connect', () => settle('answered'));
    socket.once('error', (error: NodeJS.ErrnoException) => settle(classifyConnectError(error.code)));
    socket.connect({ host: address, port });
  });
