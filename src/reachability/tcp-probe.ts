import { IDENTITY_LINE_MAX, parseIdentityLine } from '../core/probe-identity.js';
import type { ProbeAnswer } from '../core/reachability.js';
import { connectOnce } from './connect-once.js';

/** One probe of one address; never rejects. */
export type Probe = (address: string, port: number, timeoutMs: number) => Promise<ProbeAnswer>;

/**
 * Classified once, here: a reset means some kernel answered (whose, the caller decides: it may
 * be the prober's own node); no reply or "host unreachable" (ARP/NDP got no answer) means
 * silent; errors about our own side (no route, no source address, a full socket table) say
 * nothing about the node.
 */
export function classifyConnectError(code: string | undefined): 'unidentified' | 'silent' | 'inconclusive' {
  switch (code) {
    case 'ECONNREFUSED':
    case 'ECONNRESET':
      return 'unidentified';
    case 'EHOSTUNREACH':
    case 'EHOSTDOWN':
    case 'ETIMEDOUT':
      return 'silent';
    default:
      return 'inconclusive';
  }
}

/**
 * A TCP connect to `address:port` that reads the agent's identity line (the agent writes it at
 * once on accept). Connected without a valid line before the deadline, or closed first:
 * `unidentified` (a kernel answered, just not the agent's probe port).
 */
export const tcpProbe: Probe = (address, port, timeoutMs) => {
  let connected = false;
  let received = '';
  const atDeadline = (): ProbeAnswer => (connected ? { kind: 'unidentified' } : { kind: 'silent' });
  return connectOnce(address, port, timeoutMs, atDeadline, (socket, settle) => {
    socket.setEncoding('latin1');
    socket.once('connect', () => {
      connected = true;
    });
    socket.on('data', (chunk: string) => {
      received += chunk;
      const newline = received.indexOf('\n');
      if (newline < 0 && received.length <= IDENTITY_LINE_MAX) return;
      const identity = newline < 0 ? null : parseIdentityLine(received.slice(0, newline));
      settle(identity === null ? { kind: 'unidentified' } : { kind: 'identified', ...identity });
    });
    socket.once('end', () => settle({ kind: 'unidentified' }));
    socket.once('error', (error: NodeJS.ErrnoException) => {
      settle({ kind: connected ? 'unidentified' : classifyConnectError(error.code) });
    });
  });
};
