import type { ConfirmationState } from '../core/checked-move.js';
import type { FailoverIPSpec, NodeFacts } from '../core/model.js';

export type ServiceCheck = NonNullable<NonNullable<FailoverIPSpec['check']>['service']>;

/**
 * The probes around a move (checked moves, src/core/checked-move.ts judges what they find).
 * Every probe has its own deadline; neither method rejects.
 */
export interface MoveChecker {
  /** Before routing: does `node`'s agent answer with its identity, and does the service check pass? */
  checkTarget(
    node: NodeFacts,
    service: ServiceCheck | undefined,
    signal?: AbortSignal,
  ): Promise<{ readonly ok: true } | { readonly ok: false; readonly message: string }>;
  /** After routing: asks the IPv4 failover addresses until each answers as `holder`, at most for `boundMs`. */
  confirm(
    addresses: readonly string[],
    holder: string,
    boundMs: number,
    signal?: AbortSignal,
  ): Promise<{ readonly state: ConfirmationState; readonly message: string }>;
}
