import { createServer, type Server, type Socket } from 'node:net';
import { formatIdentityLine } from '../core/probe-identity.js';
import { freePort } from '../../test/support/free-port.js';
import { classifyConnectError, tcpProbe } from './tcp-probe.js';
import { listenOnLoopback } from '../../test/support/listen.js';

describe('classifyConnectError', () => {
  it.each([
    ['ECONNREFUSED', 'unidentified'],
    ['ECONNRESET', 'unidentified'],
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
  const servers: Server[] = [];
  const listen = async (onConnect: (socket: Socket) => void): Promise<number> => {
    const server = createServer(onConnect);
    servers.push(server);
    return (await listenOnLoopback(server)).port;
  };
  afterAll(async () => Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())))));

  it("the agent's identity line names the node that answered", async () => {
    const port = await listen((socket) => socket.end(formatIdentityLine({ node: 'node-2', bootId: '0f1e-2d3c' })));
    await expect(tcpProbe('127.0.0.1', port, 1000)).resolves.toEqual({ kind: 'identified', node: 'node-2', bootId: '0f1e-2d3c' });
  });

  it('an identity line split over several segments is still read', async () => {
    const port = await listen((socket) => {
      socket.write('ipshift-agent/1 node=no');
      setTimeout(() => socket.end('de-3 boot=abc\n'), 20);
    });
    await expect(tcpProbe('127.0.0.1', port, 1000)).resolves.toEqual({ kind: 'identified', node: 'node-3', bootId: 'abc' });
  });

  it('a listener that closes without a line, writes something else, or stays mute is unidentified', async () => {
    const closes = await listen((socket) => socket.destroy());
    const other = await listen((socket) => socket.end('SSH-2.0-OpenSSH_9.6\r\n'));
    const mute = await listen(() => undefined);
    const endless = await listen((socket) => socket.write('x'.repeat(1000)));
    for (const port of [closes, other, mute, endless]) await expect(tcpProbe('127.0.0.1', port, 300)).resolves.toEqual({ kind: 'unidentified' });
  });

  it('a closed port is unidentified: some kernel reset it, whose is for the caller to say', async () => {
    await expect(tcpProbe('127.0.0.1', await freePort(), 1000)).resolves.toEqual({ kind: 'unidentified' });
  });

  it('an address that cannot be parsed is inconclusive, never a verdict on a node', async () => {
    await expect(tcpProbe('not an address', 1, 1000)).resolves.toEqual({ kind: 'inconclusive' });
  });
});
