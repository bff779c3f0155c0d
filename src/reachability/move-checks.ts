import { describeIdentityAnswers, identityAnswered, judgeConfirmation, type ConfirmationState } from '../core/checked-move.js';
import { parseCidr } from '../core/address.js';
import type { ProbeAnswer } from '../core/reachability.js';
import type { MoveChecker, ServiceCheck } from '../ports/move-checker.js';
import { httpCheck, tcpConnectCheck, type ServiceAnswer } from './service-probe.js';
import type { Probe } from './tcp-probe.js';

export interface MoveCheckerOptions {
  /** The identity probe (the node probe's, src/reachability/tcp-probe.ts) and the agent's probe port. */
  readonly probe: Probe;
  readonly port: number;
  /** Deadline of each single probe. */
  readonly timeoutMs: number;
  /** The node this replica runs on (NODE_NAME); without it, an answer naming another node may be our own. */
  readonly self?: string;
  /** Pause between two rounds of the confirmation (default 500 ms). */
  readonly confirmIntervalMs?: number;
  readonly tcp?: typeof tcpConnectCheck;
  readonly http?: typeof httpCheck;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

/** The IPv4 failover addresses (an IPv6 /64 names no single address to probe). */
function probedAddresses(addresses: readonly string[]): string[] {
  return addresses.flatMap((text) => {
    const cidr = parseCidr(text);
    return cidr !== null && cidr.family === 4 ? [cidr.address] : [];
  });
}

/**
 * The probes around a move, with the node probe's identity check: before routing, the target's
 * own addresses (two connects each, as in a probe round, so one lost SYN does not fail a
 * target); after routing, the failover address, asked again every interval until it answers
 * from the new holder or the bound passes. Every single probe has `timeoutMs`.
 */
export function createMoveChecker(options: MoveCheckerOptions): MoveChecker {
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const tcp = options.tcp ?? tcpConnectCheck;
  const http = options.http ?? httpCheck;
  const ask = async (address: string): Promise<ProbeAnswer> => {
    const answers = await Promise.all(
      [0, 1].map(() => options.probe(address, options.port, options.timeoutMs).catch((): ProbeAnswer => ({ kind: 'inconclusive' }))),
    );
    return answers.find((answer) => answer.kind === 'identified') ?? answers[0] ?? { kind: 'inconclusive' };
  };

  async function service(addresses: readonly string[], check: ServiceCheck, signal?: AbortSignal): Promise<ServiceAnswer> {
    const details: string[] = [];
    for (const address of addresses) {
      if (signal?.aborted === true) break;
      const answer =
        check.protocol === 'HTTP'
          ? await http(address, check.port, check.path ?? '/', options.timeoutMs, signal)
          : await tcp(address, check.port, options.timeoutMs);
      if (answer.ok) return answer;
      details.push(answer.detail);
    }
    return { ok: false, detail: details.length === 0 ? 'no address to check' : details.join(', ') };
  }

  return {
    async checkTarget(node, check, signal) {
      const answers = await Promise.all(node.addresses.map(async (address) => ({ address, answer: await ask(address) })));
      if (
        !identityAnswered(
          answers.map((a) => a.answer),
          node.name,
        )
      )
        return { ok: false, message: describeIdentityAnswers(answers, node.name) };
      if (check === undefined) return { ok: true };
      const answer = await service(node.addresses, check, signal);
      return answer.ok
        ? { ok: true }
        : { ok: false, message: `the service check ${check.protocol ?? 'TCP'} ${check.port} on ${node.name} failed (${answer.detail})` };
    },

    async confirm(addresses, holder, boundMs, signal) {
      const targets = probedAddresses(addresses);
      const interval = options.confirmIntervalMs ?? 500;
      const deadline = now() + boundMs;
      // Bounded twice: by the clock and by a count (a clock that stands still cannot loop forever).
      const maxRounds = Math.ceil(boundMs / Math.max(1, interval)) + 1;
      let verdict: { state: ConfirmationState; message: string } = { state: 'unconfirmed', message: 'not asked yet' };
      for (let round = 0; round < maxRounds; round++) {
        const answers = await Promise.all(targets.map(async (address) => ({ address, answer: await ask(address) })));
        verdict = judgeConfirmation(answers, holder, options.self);
        if (verdict.state !== 'unconfirmed' || signal?.aborted === true || now() + interval >= deadline) break;
        await sleep(interval);
      }
      return verdict;
    },
  };
}
