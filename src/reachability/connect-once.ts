import { Socket } from 'node:net';

/**
 * One TCP connection to `address:port` that ends in exactly one answer, never a rejection:
 * `wire` attaches the socket's handlers, which call `settle` with what they found; at the
 * deadline `onDeadline()` is the answer. The socket is destroyed as soon as an answer is settled.
 */
export function connectOnce<T>(
  address: string,
  port: number,
  timeoutMs: number,
  onDeadline: () => T,
  wire: (socket: Socket, settle: (answer: T) => void) => void,
): Promise<T> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let settled = false;
    const settle = (answer: T): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => settle(onDeadline()), timeoutMs);
    wire(socket, settle);
    socket.connect({ host: address, port });
  });
}
