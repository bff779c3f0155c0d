import { ApiException } from '@kubernetes/client-node';
import { classifyKubeError } from './kube-errors.js';

const api = (code: number, body: unknown = '', headers: Record<string, string> = {}): ApiException<unknown> =>
  new ApiException(code, `HTTP-Code: ${code}`, typeof body === 'string' ? body : JSON.stringify(body), headers);

describe('classifyKubeError', () => {
  it.each<[string, unknown, string, string]>([
    ['409 conflict', api(409, { kind: 'Status', reason: 'Conflict' }), 'terminal', 'conflict'],
    ['404', api(404), 'terminal', 'not-found'],
    ['401', api(401), 'terminal', 'auth'],
    ['403', api(403), 'terminal', 'forbidden'],
    ['410 from a watch', Object.assign(new Error('Gone'), { statusCode: 410 }), 'terminal', 'gone'],
    ['422', api(422), 'terminal', 'http-422'],
    ['500', api(500), 'transient', 'http-500'],
    ['503', api(503), 'transient', 'http-503'],
    ['no answer', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'transient', 'network'],
    ['410 in a watch ERROR event', { kind: 'Status', status: 'Failure', reason: 'Expired', code: 410 }, 'terminal', 'gone'],
    // client-node 2.x (undici fetch) rejects an aborted request with the signal's DOMException, whose `code` is 23.
    ['deadline passed', new DOMException('The operation was aborted due to timeout', 'TimeoutError'), 'transient', 'network'],
  ])('%s', (_name, error, kind, code) => {
    expect(classifyKubeError(error, 'patch_status', 0)).toMatchObject({ kind, code });
  });

  it('honours Retry-After on 429 and names the Status reason in the message', () => {
    const error = classifyKubeError(api(429, { reason: 'TooManyRequests' }, { 'retry-after': '7' }), 'get_lease', 0);
    expect(error).toMatchObject({ kind: 'rate-limited', retryAfterMs: 7000 });
    expect(error.message).toBe('kubernetes get_lease: HTTP 429 TooManyRequests');
  });
});
