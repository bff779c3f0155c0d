/** Which part of the emulator a fault hits: the SCP REST API, the OIDC token endpoint, or both. */
export type FaultTarget = 'api' | 'token' | 'any';

export type Fault =
  | { readonly kind: 'fail'; readonly status: number }
  | { readonly kind: 'rate-limit'; readonly seconds: number }
  | { readonly kind: 'slow'; readonly ms: number }
  | { readonly kind: 'drop' };

interface QueuedFault {
  readonly fault: Fault;
  readonly target: FaultTarget;
  remaining: number;
}

export type FailedTaskState = 'ERROR' | 'CANCELED' | 'ROLLBACK';

import type { EmulatorControl } from '../fault-injector.js';

/**
 * Programmatic fault injection; every fault is consumed by the next matching request(s).
 * A superset of the shared EmulatorControl the conformance suite drives; faults hit the SCP
 * REST API unless `target` says otherwise.
 */
export interface NetcupEmulatorFaults extends EmulatorControl {
  /** The next `count` requests answer `status` (default 503) without doing anything. */
  failNext(count: number, status?: number, target?: FaultTarget): void;
  /** The next request answers 429 with `Retry-After: seconds`. */
  rateLimitNext(seconds: number, target?: FaultTarget): void;
  /** The next `count` requests are answered only after `ms`. */
  slowNext(ms: number, count?: number, target?: FaultTarget): void;
  /** The next `count` requests get their connection closed without an answer. */
  dropNext(count?: number, target?: FaultTarget): void;
  /** The next routing task ends in `state` instead of FINISHED, leaving routing unchanged. */
  failNextTask(state?: FailedTaskState): void;
  /** Every access token issued so far stops working (401), as after a Keycloak restart. */
  expireTokens(): void;
  /** Revokes one refresh token, or all of them: the token endpoint then answers invalid_grant. */
  revokeRefreshToken(token?: string): void;
  clear(): void;
}

export class NetcupFaultQueue {
  readonly #queue: QueuedFault[] = [];
  readonly #failedTasks: FailedTaskState[] = [];

  add(fault: Fault, count: number, target: FaultTarget): void {
    if (count > 0) this.#queue.push({ fault, target, remaining: count });
  }

  /** Takes the next fault that applies to a request on `target` ('api' or 'token'). */
  take(target: 'api' | 'token'): Fault | undefined {
    const index = this.#queue.findIndex((entry) => entry.target === 'any' || entry.target === target);
    const entry = this.#queue[index];
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.#queue.splice(index, 1);
    return entry.fault;
  }

  addFailedTask(state: FailedTaskState): void {
    this.#failedTasks.push(state);
  }

  takeFailedTask(): FailedTaskState | undefined {
    return this.#failedTasks.shift();
  }

  clear(): void {
    this.#queue.length = 0;
    this.#failedTasks.length = 0;
  }
}
