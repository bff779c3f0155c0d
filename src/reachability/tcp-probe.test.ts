import { createServer, type Server } from 'node:net';
import { freePort } from '../../test/support/free-port.js';
import { classifyConnectError, tcpProbe } from './tcp-probe.js';

describe('classifyConnectError', () => {
  it.each([
    ['ECONNREFUSED', 'answered'],
    ['ECONNRESET', 'answered'],
    ['EHOSTUNREACH', 'silent'],
    ['EHOSTDOWN', 'silent'],
    ['ETIMEDOUT', 'silent'],
    ['ENETUNREACH', 'inconclusive'],
    ['EADDRNOTAVAIL', 'inconclusive'],
    ['EMFILE', 'inconclusive'],
    [undefined, 'inconclusive'],
  ])('%s is %s', (code, expected) => {
    expect(classifyConnectError(code)).toBe(expected);
  });
});

describe('tcpProbe on loopback', () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

  it('a listening port answers', async () => {
    await expect(tcpProbe('127.0.0.1', port, 1000)).resolves.toBe('answered');
  });

  it('a closed port answers too: the reset comes from a live kernel', async () => {
    await expect(tcpProbe('127.0.0.1', await freePort(), 1000)).resolves.toBe('answered');
  });

  it('an address that cannot be parsed is inconclusive, never a verdict on a node', async () => {
    await expect(tcpProbe('not an address', port, 1000)).resolves.toBe('inconclusive');
  });
});
