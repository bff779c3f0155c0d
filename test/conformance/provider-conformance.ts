import { inspect } from 'node:util';
import type { EmulatorControl } from '../../src/emulators/fault-layer.js';
import type { IpshiftError } from '../../src/errors.js';
import type { FailoverIpProvider } from '../../src/ports/provider.js';
import { createCapturingLogger } from '../support/capturing-logger.js';
import { CONFORMANCE_ADAPTER_OPTIONS, type ConformanceAdapterOptions } from './conformance-settings.js';
import { rejectionOf } from '../support/rejection-of.js';

/**
 * The one contract every FailoverIpProvider meets, run against each adapter wired to its
 * emulator (issue 5, point 5). A target file does:
 *
 *   runProviderConformance({ name: 'hetzner-cloud', setup: async (adapter) => ({ ... }) });
 *
 * Requirements on `setup(adapter)` (called before every test, `teardown()` after it):
 * - a fresh emulator and a fresh provider; every address in `addresses` routed to `servers[0]`;
 * - the provider built with `adapter` spread into its options: the logger that captures every
 *   level, and the short retry policy and per-request timeout of conformance-settings.ts;
 *   task/action polling every few tens of ms;
 * - `faults` acting on the provider API requests in arrival order (a token endpoint on another
 *   server is not counted and not faulted).
 */
export interface ConformanceTarget {
  readonly name: string;
  setup(adapter: ConformanceAdapterOptions): Promise<ConformanceSetup>;
}

/** What a target's setup() returns; the suite adds the logs and the timing it built the provider with. */
export type ConformanceSetup = Omit<ConformanceContext, 'logs' | 'retryDeadlineMs' | 'requestTimeoutMs'>;

/** The fault API every emulator exposes (src/emulators/fault-layer.ts). */
export type ConformanceFaults = EmulatorControl;

export interface ConformanceContext {
  readonly provider: FailoverIpProvider;
  /** The addresses of one FailoverIP known to the emulator, all routed to servers[0] at setup. */
  readonly addresses: readonly string[];
  /** Two servers that may both receive the addresses. */
  readonly servers: readonly [string, string];
  readonly faults: ConformanceFaults;
  /** Every log line the provider wrote, as text. */
  readonly logs: string[];
  /** Values (tokens, passwords) that must never appear in an error or a log line. */
  readonly secrets: readonly string[];
  /** The retry deadline the provider was built with, in ms. */
  readonly retryDeadlineMs: number;
  /** The per-request timeout the provider was built with, in ms. */
  readonly requestTimeoutMs: number;
  teardown(): Promise<void>;
}

/** TEST-NET-1: never configured in an emulator. */
const UNKNOWN_ADDRESS = '192.0.2.254';

export function runProviderConformance(target: ConformanceTarget): void {
  describe(`provider conformance: ${target.name}`, () => {
    let ctx: ConformanceContext;

    beforeEach(async () => {
      const logger = createCapturingLogger();
      const setup = await target.setup({ logger, ...CONFORMANCE_ADAPTER_OPTIONS });
      ctx = {
        ...setup,
        logs: logger.lines,
        retryDeadlineMs: CONFORMANCE_ADAPTER_OPTIONS.retry.deadlineMs,
        requestTimeoutMs: CONFORMANCE_ADAPTER_OPTIONS.requestTimeoutMs,
      };
    });
    afterEach(async () => {
      await ctx.teardown();
    });

    const expectRoutedTo = async (serverId: string): Promise<void> => {
      const routing = await ctx.provider.getRouting(ctx.addresses);
      expect(routing).toEqual(ctx.addresses.map((address) => ({ address, serverId })));
    };
    // Requests one read costs once caches (server lists, tokens) are warm.
    const cleanReadCost = async (): Promise<number> => {
      await ctx.provider.getRouting(ctx.addresses);
      const before = ctx.faults.requestCount();
      await ctx.provider.getRouting(ctx.addresses);
      return ctx.faults.requestCount() - before;
    };
    it('has a sane minimum interval between moves', () => {
      expect(Number.isInteger(ctx.provider.minMoveIntervalMs)).toBe(true);
      expect(ctx.provider.minMoveIntervalMs).toBeGreaterThanOrEqual(0);
    });

    it('reads where every address is routed, in the order given', async () => {
      await expectRoutedTo(ctx.servers[0]);
      const reversed = [...ctx.addresses].reverse();
      const routing = await ctx.provider.getRouting(reversed);
      expect(routing.map((r) => r.address)).toEqual(reversed);
    });

    it('reports an address the provider does not know as a terminal error', async () => {
      const error = await rejectionOf(ctx.provider.getRouting([UNKNOWN_ADDRESS]));
      expect(error.kind).toBe('terminal');
    });

    it('routes every address to another server and reads it back', async () => {
      const before = ctx.faults.mutationCount();
      await ctx.provider.route(ctx.addresses, ctx.servers[1]);
      expect(ctx.faults.mutationCount()).toBeGreaterThan(before);
      await expectRoutedTo(ctx.servers[1]);
      await ctx.provider.route(ctx.addresses, ctx.servers[0]);
      await expectRoutedTo(ctx.servers[0]);
    });

    it('treats routing to the current server as a no-op: no mutating request is sent', async () => {
      const before = ctx.faults.mutationCount();
      await ctx.provider.route(ctx.addresses, ctx.servers[0]);
      expect(ctx.faults.mutationCount()).toBe(before);
      await expectRoutedTo(ctx.servers[0]);
    });

    it('returns a rate limit beyond the deadline as rate-limited with its retry time, without retrying', async () => {
      const before = ctx.faults.requestCount();
      ctx.faults.rateLimitNext(120);
      const error = await rejectionOf(ctx.provider.getRouting(ctx.addresses));
      expect(error.kind).toBe('rate-limited');
      expect(error.retryAfterMs).toBeGreaterThanOrEqual(110_000);
      expect(error.retryAfterMs).toBeLessThanOrEqual(122_000);
      expect(ctx.faults.requestCount() - before).toBe(1);
    });

    it('waits out a rate limit that fits the deadline, then succeeds', async () => {
      const clean = await cleanReadCost();
      const before = ctx.faults.requestCount();
      ctx.faults.rateLimitNext(1);
      const started = Date.now();
      await expectRoutedTo(ctx.servers[0]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      expect(ctx.faults.requestCount() - before).toBe(clean + 1);
    });

    it.each([500, 502, 503, 504])('retries HTTP %i with backoff and succeeds', async (status) => {
      const clean = await cleanReadCost();
      const before = ctx.faults.requestCount();
      ctx.faults.failNext(2, status);
      await expectRoutedTo(ctx.servers[0]);
      expect(ctx.faults.requestCount() - before).toBe(clean + 2);
    });

    it('retries dropped connections and succeeds', async () => {
      const clean = await cleanReadCost();
      const before = ctx.faults.requestCount();
      ctx.faults.resetNext(2);
      await expectRoutedTo(ctx.servers[0]);
      expect(ctx.faults.requestCount() - before).toBe(clean + 2);
    });

    it('gives up on an answer slower than the request timeout and retries', async () => {
      const clean = await cleanReadCost();
      const before = ctx.faults.requestCount();
      ctx.faults.slowNext(ctx.requestTimeoutMs + 3_000);
      const started = Date.now();
      await expectRoutedTo(ctx.servers[0]);
      expect(Date.now() - started).toBeLessThan(ctx.requestTimeoutMs + 2_000);
      expect(ctx.faults.requestCount() - before).toBe(clean + 1);
    });

    it('completes a move despite transient faults on the way', async () => {
      ctx.faults.failNext(1, 503);
      ctx.faults.resetNext(1);
      await ctx.provider.route(ctx.addresses, ctx.servers[1]);
      await expectRoutedTo(ctx.servers[1]);
    });

    it('abandons a request that is never answered at the request timeout, then retries', async () => {
      const clean = await cleanReadCost();
      const before = ctx.faults.requestCount();
      ctx.faults.hangNext(1);
      const started = Date.now();
      await expectRoutedTo(ctx.servers[0]);
      expect(Date.now() - started).toBeLessThan(ctx.requestTimeoutMs + 2_000);
      expect(ctx.faults.requestCount() - before).toBe(clean + 1);
    });

    it('reads the routing after a move whose answer was lost, and reports the move done', async () => {
      ctx.faults.loseAnswerNext(1, 'mutation');
      await ctx.provider.route(ctx.addresses, ctx.servers[1]);
      await expectRoutedTo(ctx.servers[1]);
    });

    it('moves once through a reset on the move request', async () => {
      ctx.faults.resetNext(1, 'mutation');
      await ctx.provider.route(ctx.addresses, ctx.servers[1]);
      await expectRoutedTo(ctx.servers[1]);
    });

    it('survives a hung move request', async () => {
      ctx.faults.hangNext(1, 'mutation');
      await ctx.provider.route(ctx.addresses, ctx.servers[1]);
      await expectRoutedTo(ctx.servers[1]);
    });

    it('waits out a rate limit on the move that fits the deadline, then moves', async () => {
      ctx.faults.rateLimitNext(1, 'mutation');
      await ctx.provider.route(ctx.addresses, ctx.servers[1]);
      await expectRoutedTo(ctx.servers[1]);
    });

    it('reports a 401 on the move as terminal with nothing moved', async () => {
      ctx.faults.failNext(1, 401, 'mutation');
      const error = await rejectionOf(ctx.provider.route(ctx.addresses, ctx.servers[1]));
      expect(error.kind).toBe('terminal');
      await expectRoutedTo(ctx.servers[0]);
    });

    it('surfaces persistent transient faults as transient, within the deadline', async () => {
      const before = ctx.faults.requestCount();
      ctx.faults.failNext(1_000, 503);
      const started = Date.now();
      const error = await rejectionOf(ctx.provider.route(ctx.addresses, ctx.servers[1]));
      expect(error.kind).toBe('transient');
      expect(Date.now() - started).toBeLessThanOrEqual(ctx.retryDeadlineMs + 2_000);
      expect(ctx.faults.requestCount() - before).toBeGreaterThan(1);
    });

    it.each([400, 401, 403, 404])('does not retry the terminal HTTP %i', async (status) => {
      const before = ctx.faults.requestCount();
      const mutationsBefore = ctx.faults.mutationCount();
      ctx.faults.failNext(1, status);
      const error = await rejectionOf(ctx.provider.route(ctx.addresses, ctx.servers[1]));
      expect(error.kind).toBe('terminal');
      expect(ctx.faults.requestCount() - before).toBe(1);
      expect(ctx.faults.mutationCount()).toBe(mutationsBefore);
    });

    it('rejects promptly when cancelled mid-request, without retrying', async () => {
      const controller = new AbortController();
      ctx.faults.slowNext(10_000);
      const before = ctx.faults.requestCount();
      const started = Date.now();
      const pending = ctx.provider.getRouting(ctx.addresses, controller.signal);
      setTimeout(() => controller.abort(), 100);
      await rejectionOf(pending);
      expect(Date.now() - started).toBeLessThan(900);
      expect(ctx.faults.requestCount() - before).toBe(1);
    });

    it('sends nothing when the signal is already aborted', async () => {
      const before = ctx.faults.requestCount();
      await rejectionOf(ctx.provider.route(ctx.addresses, ctx.servers[1], AbortSignal.abort()));
      expect(ctx.faults.requestCount()).toBe(before);
    });

    it('never puts a token or password into an error or a log line', async () => {
      expect(ctx.secrets.length).toBeGreaterThan(0);
      const errors: IpshiftError[] = [];
      for (const status of [400, 401, 403, 404]) {
        ctx.faults.failNext(1, status);
        errors.push(await rejectionOf(ctx.provider.getRouting(ctx.addresses)));
      }
      ctx.faults.failNext(1_000, 500);
      errors.push(await rejectionOf(ctx.provider.getRouting(ctx.addresses)));
      ctx.faults.clear();
      await ctx.provider.route(ctx.addresses, ctx.servers[1]);
      ctx.faults.rateLimitNext(120);
      errors.push(await rejectionOf(ctx.provider.getRouting(ctx.addresses)));
      ctx.faults.resetNext(1_000);
      errors.push(await rejectionOf(ctx.provider.getRouting(ctx.addresses)));
      expect(ctx.logs.length).toBeGreaterThan(0);

      const texts = [...errors.flatMap((e) => [e.message, e.stack ?? '', inspect(e, { depth: 8 }), JSON.stringify(e)]), ...ctx.logs];
      for (const value of ctx.secrets) {
        expect(value.length).toBeGreaterThanOrEqual(6);
        for (const text of texts) expect(text).not.toContain(value);
      }
    });
  });
}
