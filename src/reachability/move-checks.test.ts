import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import type { ProbeAnswer } from '../core/reachability.js';
import { nodeFacts } from '../../test/support/node-facts.js';
import { createMoveChecker } from './move-checks.js';
import type { Probe } from './tcp-probe.js';
import { listenOnLoopback } from '../../test/support/listen.js';

const listen = async (server: Server | ReturnType<typeof createHttpServer>): Promise<number> => (await listenOnLoopback(server)).port;
const close = (server: Server | ReturnType<typeof createHttpServer>): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

const identified = (node: string): ProbeAnswer => ({ kind: 'identified', node, bootId: 'b' });

describe('the probes around a move', () => {
  const node = nodeFacts('n2', { addresses: ['127.0.0.1'] });

  it('a target passes when its agent answers with its own name on one of its addresses, and fails with what each address said', async () => {
    const answers: Record<string, ProbeAnswer> = { '10.0.0.2': { kind: 'silent' }, '127.0.0.1': identified('n2') };
    const probe: Probe = async (address) => answers[address] ?? { kind: 'inconclusive' };
    const checker = createMoveChecker({ probe, port: 9102, timeoutMs: 100 });
    await expect(checker.checkTarget(nodeFacts('n2', { addresses: ['10.0.0.2', '127.0.0.1'] }), undefined)).resolves.toEqual({ ok: true });
    answers['127.0.0.1'] = identified('n7');
    await expect(checker.checkTarget(nodeFacts('n2', { addresses: ['10.0.0.2', '127.0.0.1'] }), undefined)).resolves.toEqual({
      ok: false,
      message: 'the agent on n2 did not answer its identity probe (10.0.0.2 silent, 127.0.0.1 answered as n7)',
    });
  });

  it('one lost connect of two does not fail a target', async () => {
    let calls = 0;
    const probe: Probe = async () => (calls++ % 2 === 0 ? { kind: 'silent' } : identified('n2'));
    await expect(createMoveChecker({ probe, port: 9102, timeoutMs: 100 }).checkTarget(node, undefined)).resolves.toEqual({ ok: true });
  });

  it('the TCP service check connects to the port on the node; a closed port fails the target', async () => {
    const server = createServer((socket) => socket.end());
    const port = await listen(server);
    const checker = createMoveChecker({ probe: async () => identified('n2'), port: 9102, timeoutMs: 500 });
    await expect(checker.checkTarget(node, { port })).resolves.toEqual({ ok: true });
    await close(server);
    const closed = await checker.checkTarget(node, { port });
    expect(closed).toEqual({ ok: false, message: `the service check TCP ${port} on n2 failed (127.0.0.1:${port} ECONNREFUSED)` });
  });

  it('the HTTP service check GETs the path: below 400 passes, a 503 fails', async () => {
    let status = 200;
    const paths: string[] = [];
    const server = createHttpServer((req, res) => {
      paths.push(req.url ?? '');
      res.writeHead(status).end();
    });
    const port = await listen(server);
    try {
      const checker = createMoveChecker({ probe: async () => identified('n2'), port: 9102, timeoutMs: 500 });
      await expect(checker.checkTarget(node, { port, protocol: 'HTTP', path: '/healthz' })).resolves.toEqual({ ok: true });
      status = 503;
      await expect(checker.checkTarget(node, { port, protocol: 'HTTP', path: '/healthz' })).resolves.toEqual({
        ok: false,
        message: `the service check HTTP ${port} on n2 failed (GET http://127.0.0.1:${port}/healthz answered 503)`,
      });
      expect(paths).toEqual(['/healthz', '/healthz']);
    } finally {
      await close(server);
    }
  });

  it('an HTTP check that never answers fails at its deadline', async () => {
    const server = createServer(() => undefined);
    const port = await listen(server);
    try {
      const checker = createMoveChecker({ probe: async () => identified('n2'), port: 9102, timeoutMs: 200 });
      const result = await checker.checkTarget(node, { port, protocol: 'HTTP' });
      expect(result).toEqual({ ok: false, message: `the service check HTTP ${port} on n2 failed (GET http://127.0.0.1:${port}/ silent for 200 ms)` });
    } finally {
      server.close();
    }
  });

  it('the confirmation asks again until the address answers from the new holder, and stops at the bound', async () => {
    let now = 0;
    let owner = 'n1';
    const probed: string[] = [];
    const probe: Probe = async (address) => {
      probed.push(address);
      return identified(owner);
    };
    const checker = createMoveChecker({
      probe,
      port: 9102,
      timeoutMs: 100,
      self: 'n3',
      confirmIntervalMs: 500,
      now: () => now,
      sleep: async (ms) => {
        now += ms;
        if (now >= 1000) owner = 'n2';
      },
    });
    // IPv6 prefixes name no single address: only the IPv4 one is asked.
    await expect(checker.confirm(['198.51.100.10/32', '2001:db8:1::/64'], 'n2', 5000)).resolves.toEqual({
      state: 'confirmed',
      message: 'the failover address answers from n2',
    });
    expect(new Set(probed)).toEqual(new Set(['198.51.100.10']));
    owner = 'n1';
    now = 0;
    const stuck = createMoveChecker({
      probe: async () => identified('n1'),
      port: 9102,
      timeoutMs: 100,
      self: 'n3',
      now: () => now,
      sleep: async (ms) => void (now += ms),
    });
    await expect(stuck.confirm(['198.51.100.10'], 'n2', 2000)).resolves.toMatchObject({ state: 'unconfirmed' });
    expect(now).toBeLessThan(2000);
  });
});
