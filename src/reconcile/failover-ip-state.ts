import type { Decision } from '../core/decide.js';
import type { Candidate } from '../core/eligibility.js';

/** What the controller remembers about one FailoverIP between runs (memory only; status persists the rest). */
export interface FailoverIPMemory {
  /** The node the provider routes to, as of `routingReadAt`; null = nowhere we know. */
  assignedNode: string | null;
  /** Raw server id the provider reports (null = not routed). */
  assignedServer: string | null;
  routingReadAt: number | null;
  /** When the current holder got the IP (as far as we know) and who had it before. */
  holderSince: number | null;
  previousHolder: string | null;
  holderDegradedSince: number | null;
  /** Backoff after failed moves (not persisted: a restart may retry sooner, within the cooldown). */
  retryNotBefore: number | null;
  consecutiveFailures: number;
  moveInFlight: boolean;
  lastDecision: Decision | null;
  lastDecisionAt: number | null;
  candidates: readonly Candidate[];
}

export const freshMemory = (): FailoverIPMemory => ({
  assignedNode: null,
  assignedServer: null,
  routingReadAt: null,
  holderSince: null,
  previousHolder: null,
  holderDegradedSince: null,
  retryNotBefore: null,
  consecutiveFailures: 0,
  moveInFlight: false,
  lastDecision: null,
  lastDecisionAt: null,
  candidates: [],
});

export interface MoveRecord {
  readonly failoverIP: string;
  readonly from: string | null;
  readonly to: string;
  readonly reason: string;
  readonly result: string;
  readonly at: number;
  readonly durationMs: number;
  readonly message: string;
}
