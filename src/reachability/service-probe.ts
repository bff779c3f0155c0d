import { isIPv6 } from 'node:net';
import { connectOnce } from './connect-once.js';

/** What one service check of one address found; `ok` false carries a few words for the Event. */
export interface ServiceAnswer {
  readonly ok: boolean;
  readonly detail: string;
}

/** A TCP connect to `address:port`, closed as soon as it is accepted; never rejects. */
export function tcpConnectCheck(address: string, port: number, timeoutMs: number): Promise<ServiceAnswer> {
  return connectOnce<ServiceAnswer>(
    address,
    port,
    timeoutMs,
    () => ({ ok: false, detail: `${address}:${port} silent for ${timeoutMs} ms` }),
    (socket, settle) => {
      socket.once('connect', () => settle({ ok: true, detail: `${address}:${port} accepted` }));
      socket.once('error', (error: NodeJS.ErrnoException) => settle({ ok: false, detail: `${address}:${port} ${error.code ?? error.message}` }));
    },
  );
}

/** A plain-HTTP GET of `path` on `address:port`; an answer below 400 passes (redirects are not followed). Never rejects. */
export async function httpCheck(address: string, port: number, path: string, timeoutMs: number, signal?: AbortSignal): Promise<ServiceAnswer> {
  const host = isIPv6(address) ? `[${address}]` : address;
  const url = `http://${host}:${port}${path}`;
  const deadline = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(url, { redirect: 'manual', signal: signal === undefined ? deadline : AbortSignal.any([signal, deadline]) });
    await response.body?.cancel().catch(() => undefined);
    return { ok: response.status < 400, detail: `GET ${url} answered ${response.status}` };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return {
      ok: false,
      detail: `GET ${url} ${deadline.aborted ? `silent for ${timeoutMs} ms` : (cause ?? (error instanceof Error ? error.message : 'failed'))}`,
    };
  }
}
