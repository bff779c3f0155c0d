import type { ProbeAnswer } from './reachability.js';

/**
 * Checked moves, the judging half (pure): what the checks around a move found, as inputs the
 * decision and the status take. The I/O half (the probes) is src/reachability/move-checks.ts.
 *
 * Before routing, the chosen target must answer ipshift's identity probe on one of its own
 * addresses (and the service check of spec.check.service, when set); a target that does not is
 * skipped for the next candidate until `until`. After routing, the failover address must answer
 * with the new holder's identity within spec.check.confirmSeconds; otherwise the FailoverIP is
 * Degraded (reason move-unconfirmed) until an answer from the holder is seen.
 */

/** A target that failed the check before routing: not chosen again before `until`. */
export interface CheckFailure {
  readonly at: number;
  readonly until: number;
  readonly message: string;
}

/** How long a failed target is passed over before it is tried again. */
export const CHECK_FAILURE_HOLD_MS = 60_000;

/** The failures still in force at `now` (the only ones the decision may act on). */
export function checkFailuresInForce(failures: ReadonlyMap<string, CheckFailure>, now: number): ReadonlyMap<string, CheckFailure> {
  if (failures.size === 0) return failures;
  let expired = false;
  for (const failure of failures.values()) if (failure.until <= now) expired = true;
  if (!expired) return failures;
  return new Map([...failures].filter(([, failure]) => failure.until > now));
}

/** The earliest moment a failure ends, or null when none is in force. */
export function firstCheckExpiry(failures: ReadonlyMap<string, CheckFailure>, now: number): number | null {
  let first: number | null = null;
  for (const failure of failures.values()) if (failure.until > now && (first === null || failure.until < first)) first = failure.until;
  return first;
}

/** Whether the answers to the identity probe of `target`'s own addresses show its agent answering. */
export function identityAnswered(answers: readonly ProbeAnswer[], target: string): boolean {
  return answers.some((answer) => answer.kind === 'identified' && answer.node === target);
}

/** What the target's identity probe got, in words, for the Event and the decision message. */
export function describeIdentityAnswers(answers: ReadonlyArray<{ readonly address: string; readonly answer: ProbeAnswer }>, target: string): string {
  if (answers.length === 0) return `${target} has no address to probe`;
  const parts = answers.map(({ address, answer }) => {
    switch (answer.kind) {
      case 'identified':
        return answer.node === target ? `${address} answered as ${target}` : `${address} answered as ${answer.node}`;
      case 'unidentified':
        return `${address} answered without the agent's identity`;
      case 'silent':
        return `${address} silent`;
      default:
        return `${address} unreachable from here`;
    }
  });
  return `the agent on ${target} did not answer its identity probe (${parts.join(', ')})`;
}

/**
 * What the failover address answered after a move, judged for `holder`, seen from a replica on
 * node `self` (undefined: unknown).
 * - confirmed: every probed address answered with the holder's identity;
 * - unconfirmed: some address was silent or answered as a node that is neither the holder nor
 *   us (the route did not take);
 * - unverifiable: an answer came from our own node (it carries the address, the agent's
 *   all-eligible mode), so this replica cannot see where the provider routes it; likewise
 *   without an IPv4 address to probe (an IPv6 /64 names no single address).
 */
export type ConfirmationState = 'confirmed' | 'unconfirmed' | 'unverifiable';

export interface Confirmation {
  readonly node: string;
  readonly state: ConfirmationState;
  readonly message: string;
  readonly at: number;
}

export function judgeConfirmation(
  answers: ReadonlyArray<{ readonly address: string; readonly answer: ProbeAnswer }>,
  holder: string,
  self: string | undefined,
): { readonly state: ConfirmationState; readonly message: string } {
  if (answers.length === 0) return { state: 'unverifiable', message: 'no IPv4 failover address to probe' };
  const local = (node: string): boolean => node === self || (self === undefined && node !== holder) || (self === holder && node === holder);
  const wrong: string[] = [];
  const unseen: string[] = [];
  for (const { address, answer } of answers) {
    if (answer.kind === 'identified' && local(answer.node)) {
      return {
        state: 'unverifiable',
        message: `${address} is answered by this replica's own node ${answer.node}, which carries it: the route cannot be seen from here`,
      };
    }
    if (answer.kind === 'identified' && answer.node === holder) continue;
    if (answer.kind === 'identified') wrong.push(`${address} answers as ${answer.node}`);
    else
      unseen.push(
        `${address} ${answer.kind === 'silent' ? 'silent' : answer.kind === 'unidentified' ? "answers without the agent's identity" : 'unreachable from here'}`,
      );
  }
  if (wrong.length === 0 && unseen.length === 0) return { state: 'confirmed', message: `the failover address answers from ${holder}` };
  return { state: 'unconfirmed', message: `the failover address does not answer from ${holder}: ${[...wrong, ...unseen].join(', ')}` };
}
