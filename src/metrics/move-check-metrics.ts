import { Counter, Gauge, type Registry } from 'prom-client';
import type { ConfirmationState } from '../core/checked-move.js';

/** The checks around a move (src/core/checked-move.ts): bounded series, one gauge per FailoverIP. */
export interface MoveCheckMetrics {
  /** The check of a target before routing. */
  targetChecked(passed: boolean): void;
  /** The check of the failover address after routing. */
  confirmed(state: ConfirmationState): void;
  /** 1 while the FailoverIP's address does not answer from its holder after a move (Degraded, MoveUnconfirmed). */
  setUnconfirmed(failoverIP: string, unconfirmed: boolean): void;
  forgetFailoverIP(failoverIP: string): void;
}

export function createMoveCheckMetrics(registry: Registry): MoveCheckMetrics {
  const registers = [registry];
  const checks = new Counter({
    name: 'ipshift_move_checks_total',
    help: 'Checks around moves, by check and result. check="target" (before routing: the target\'s agent answered its identity probe and the service check of spec.check.service passed, or not: result passed|failed, a failed target is passed over for the next candidate); check="confirm" (after routing: the failover address answered with the new holder\'s identity within spec.check.confirmSeconds: confirmed; did not: unconfirmed; answered by this replica\'s own node, which carries the address, or no IPv4 address to probe: unverifiable).',
    labelNames: ['check', 'result'] as const,
    registers,
  });
  const unconfirmed = new Gauge({
    name: 'ipshift_failover_ip_move_unconfirmed',
    help: '1 while the failover address, after the last move, does not answer from its holder (the FailoverIP is Degraded with reason MoveUnconfirmed), else 0.',
    labelNames: ['failover_ip'] as const,
    registers,
  });
  for (const result of ['passed', 'failed']) checks.inc({ check: 'target', result }, 0);
  for (const result of ['confirmed', 'unconfirmed', 'unverifiable']) checks.inc({ check: 'confirm', result }, 0);
  return {
    targetChecked: (passed) => checks.inc({ check: 'target', result: passed ? 'passed' : 'failed' }),
    confirmed: (state) => checks.inc({ check: 'confirm', result: state }),
    setUnconfirmed: (failoverIP, value) => unconfirmed.set({ failover_ip: failoverIP }, value ? 1 : 0),
    forgetFailoverIP: (failoverIP) => unconfirmed.remove({ failover_ip: failoverIP }),
  };
}
