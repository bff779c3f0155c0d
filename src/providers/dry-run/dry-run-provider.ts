import { abortedError, IpshiftError, terminalError, transientError } from '../../errors.js';
import type { Clock } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import type { CredentialStore, FailoverIpProvider, NodeIdentityHint, Routing } from '../../ports/provider.js';
import { addressKey } from '../../core/address.js';
import { DEFAULT_RETRY_POLICY, withRetry, type RetryPolicy } from '../../retry/with-retry.js';

/**
 * A provider that moves nothing: it remembers where it was told to route each address, logs
 * every move it would have made, and reports its own record as the routing. It lets a user run
 * ipshift against a real cluster and watch its decisions before giving it a real API token.
 * No limit to honour, so the minimum move interval is 0.
 */

export interface DryRunMove {
  readonly address: string;
  readonly from: string | null;
  readonly to: string;
  /** Epoch ms. */
  readonly at: number;
}

/** One simulated provider request, for the optional in-memory transport. */
export interface DryRunCall {
  readonly operation: 'get_routing' | 'route';
  readonly addresses: readonly string[];
  /**
   * Applies a route call's effect. The provider calls it when the transport resolves; a
   * transport that "loses the answer" calls it itself and then rejects. Calling it twice is harmless.
   */
  readonly commit: () => void;
}

export interface DryRunProviderOptions {
  readonly logger: Logger;
  readonly clock: Clock;
  /**
   * Where addresses start. When given, only these addresses exist (others are not-found, as at
   * a real provider); when absent, any address exists and starts routed nowhere.
   */
  readonly initialRouting?: Readonly<Record<string, string | null>>;
  /**
   * The FailoverIP's Secret. Read once, only to tell the user early whether it is readable
   * and which keys it has; its values are never used.
   */
  readonly credentials?: CredentialStore;
  /**
   * Optional stand-in for a provider API, awaited before every simulated request: it may delay
   * (honouring the signal) or reject with an IpshiftError. Lets tests and demos exercise the same
   * retry, timeout and cancellation paths as the real adapters.
   */
  readonly transport?: (call: DryRunCall, signal: AbortSignal) => Promise<void>;
  /**
   * Where an address was routed before this process started (another replica led, or this one
   * restarted): consulted once for an address it has no record of. The controller answers from
   * the FailoverIP's status.assignedNode, so a dry-run move survives a leader hand-over.
   */
  readonly recall?: (address: string) => string | null | undefined;
  readonly retry?: RetryPolicy;
  readonly requestTimeoutMs?: number;
  readonly random?: () => number;
}

export interface DryRunProvider extends FailoverIpProvider {
  /** The moves recorded so far, oldest first (the last 1000). */
  moves(): readonly DryRunMove[];
}

const MAX_MOVES = 1000;

export function createDryRunProvider(options: DryRunProviderOptions): DryRunProvider {
  const provider = 'dry-run' as const;
  const logger = options.logger.child({ provider });
  const retry = options.retry ?? DEFAULT_RETRY_POLICY;
  const strict = options.initialRouting !== undefined;
  const routing = new Map<string, string | null>(Object.entries(options.initialRouting ?? {}).map(([address, server]) => [addressKey(address), server]));
  const moves: DryRunMove[] = [];
  let secretChecked = false;

  async function checkSecretOnce(): Promise<void> {
    if (secretChecked || !options.credentials) return;
    secretChecked = true;
    try {
      const keys = Object.keys(await options.credentials.read()).sort();
      logger.info('dry-run: provider Secret is readable; its values are not used', { keys });
    } catch (error) {
      logger.warn('dry-run: provider Secret is not readable; a real provider would fail here', {
        err: error,
      });
    }
  }

  async function simulate(call: DryRunCall, signal: AbortSignal | undefined): Promise<void> {
    if (!options.transport) return call.commit();
    const where = `${provider} ${call.operation}`;
    const timeout = AbortSignal.timeout(options.requestTimeoutMs ?? 15_000);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      await options.transport(call, combined);
      call.commit();
    } catch (error) {
      if (signal?.aborted) throw abortedError(where);
      if (timeout.aborted) throw transientError(`${where}: no answer within the request timeout`, 'timeout');
      throw error instanceof IpshiftError ? error : transientError(`${where}: simulated request failed`, 'network-error');
    }
  }

  const request = (call: DryRunCall, signal: AbortSignal | undefined) =>
    withRetry(() => simulate(call, signal), retry, {
      clock: options.clock,
      signal,
      what: `${provider} ${call.operation}`,
      logger,
      random: options.random,
    });

  function current(address: string): string | null {
    const key = addressKey(address);
    if (!routing.has(key)) {
      const recalled = options.recall?.(address);
      if (recalled !== undefined && recalled !== null) {
        routing.set(key, recalled);
        return recalled;
      }
      if (strict) throw terminalError(`${provider}: ${address} is not one of the simulated addresses`, 'not-found');
      return null;
    }
    return routing.get(key) ?? null;
  }

  return {
    type: provider,
    minMoveIntervalMs: 0,

    async getRouting(addresses, signal): Promise<Routing[]> {
      await checkSecretOnce();
      await request({ operation: 'get_routing', addresses, commit: () => undefined }, signal);
      return addresses.map((address) => ({ address, serverId: current(address) }));
    },

    async route(addresses, serverId, signal): Promise<void> {
      if (signal?.aborted) throw abortedError(`${provider} route`);
      await checkSecretOnce();
      await request({ operation: 'get_routing', addresses, commit: () => undefined }, signal);
      const changes = addresses.map((address) => ({ address, from: current(address) })).filter((c) => c.from !== serverId);
      for (const { address, from } of changes) {
        const commit = (): void => {
          if (current(address) === serverId) return;
          routing.set(addressKey(address), serverId);
          moves.push({ address, from, to: serverId, at: options.clock.now() });
          if (moves.length > MAX_MOVES) moves.shift();
          logger.info('dry-run: would route failover IP (nothing was changed at any provider)', {
            failoverIP: address,
            serverId,
            previousServerId: from,
          });
        };
        await request({ operation: 'route', addresses: [address], commit }, signal);
      }
    },

    discoverServer(node: NodeIdentityHint): Promise<string | null> {
      // Without a provider, the node itself is the most useful server id to show.
      return Promise.resolve(node.nodeName);
    },

    moves: () => [...moves],
  };
}
