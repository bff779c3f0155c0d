import { checkFailuresInForce, judgeConfirmation, type CheckFailure } from './checked-move.js';
import { bestCandidate, decide, type DecisionInput } from './decide.js';
import type { Candidate } from './eligibility.js';
import { decisionInput, nodeCandidate, NOW } from '../../test/support/decision-fixtures.js';

/** default/web on a, with no cooldown; `down` lists the nodes that are not Ready. */
const input = (overrides: Partial<DecisionInput> = {}, down: readonly string[] = ['a']): DecisionInput =>
  decisionInput(
    ['a', 'b', 'c', 'd'].map((name) => nodeCandidate(name, down.includes(name) ? { conditions: { Ready: 'False' } } : {})),
    { cooldownMs: 0, ...overrides },
  );

const failed = (message: string, until = NOW + 60_000): CheckFailure => ({ at: NOW - 1000, until, message });

describe('checked moves: the decision takes the checks before routing as input', () => {
  // Which of b, c, d the tie-break puts first, without any check failure.
  const first = decide(input()).target as string;
  const rest = ['b', 'c', 'd'].filter((n) => n !== first);

  it('a target that failed its check is passed over for the next candidate, and the message says why', () => {
    const decision = decide(input({ checkFailures: new Map([[first, failed('the agent did not answer')]]) }));
    expect(decision.outcome).toBe('move');
    expect(decision.reason).toBe('holder-down');
    expect(rest).toContain(decision.target);
    expect(decision.message).toContain(`passed over: ${first} (the agent did not answer)`);
  });

  it('the next one after two failures is the third in rank, the same one bestCandidate skips to', () => {
    const second = decide(input({ checkFailures: new Map([[first, failed('x')]]) })).target as string;
    const third = decide(
      input({
        checkFailures: new Map([
          [first, failed('x')],
          [second, failed('y')],
        ]),
      }),
    ).target;
    expect(third).toBe(rest.find((n) => n !== second));
    expect(
      bestCandidate(
        input().candidates,
        input(),
        'a',
        new Map([
          [first, 1],
          [second, 1],
        ]),
      )?.name,
    ).toBe(third);
  });

  it('a failure whose hold is over counts no more: the target is tried again', () => {
    const decision = decide(input({ checkFailures: new Map([[first, failed('old', NOW)]]) }));
    expect(decision.target).toBe(first);
    expect(decision.message).not.toContain('passed over');
    expect(checkFailuresInForce(new Map([[first, failed('old', NOW)]]), NOW).size).toBe(0);
  });

  it('every candidate failed: the IP stays, the reason says so, and the decision looks again when the first failure ends', () => {
    const failures = new Map([
      ['b', failed('b silent', NOW + 30_000)],
      ['c', failed('c silent', NOW + 10_000)],
      ['d', failed('d silent', NOW + 20_000)],
    ]);
    const decision = decide(input({ checkFailures: failures }));
    expect(decision).toMatchObject({ outcome: 'no-eligible-node', reason: 'target-check-failed', target: 'a', retryAt: NOW + 10_000 });
    expect(decision.message).toContain('holder a (ready-false) is down, but no eligible node answered the check before routing');
  });

  it('a healthy holder keeps the IP when the only healthier candidate failed its check (no move to a worse one)', () => {
    const disk = (name: string): Candidate =>
      nodeCandidate(name, name === 'a' ? { conditions: { DiskPressure: 'True' } } : name === 'b' ? {} : { conditions: { MemoryPressure: 'True' } });
    const base = input({ candidates: ['a', 'b', 'c'].map(disk), holderDegradedSince: NOW - 120_000 }, []);
    expect(decide(base)).toMatchObject({ outcome: 'move', target: 'b' });
    expect(decide({ ...base, checkFailures: new Map([['b', failed('b silent')]]) })).toMatchObject({
      outcome: 'keep',
      reason: 'holder-healthiest',
      target: 'a',
    });
  });

  it('a manual move to a target that failed its check waits for the hold to end, without dropping the request', () => {
    const decision = decide(input({ moveTo: 'c', checkFailures: new Map([['c', failed('c silent', NOW + 5000)]]) }, []));
    expect(decision).toMatchObject({ outcome: 'keep', reason: 'target-check-failed', target: 'a', retryAt: NOW + 5000 });
  });

  it('no failures: the same decision as an unchecked one', () => {
    expect(decide(input({ checkFailures: new Map() }))).toEqual(decide(input()));
  });
});

describe('checked moves: judging the failover address after routing', () => {
  const id = (node: string) => ({ kind: 'identified' as const, node, bootId: 'b' });
  it('confirmed when every IPv4 address answers with the new holder', () => {
    expect(judgeConfirmation([{ address: '198.51.100.10', answer: id('n2') }], 'n2', 'n3').state).toBe('confirmed');
  });
  it('unconfirmed when an address answers as another node (the route did not take) or is silent', () => {
    expect(judgeConfirmation([{ address: '198.51.100.10', answer: id('n1') }], 'n2', 'n3')).toEqual({
      state: 'unconfirmed',
      message: 'the failover address does not answer from n2: 198.51.100.10 answers as n1',
    });
    expect(judgeConfirmation([{ address: '198.51.100.10', answer: { kind: 'silent' } }], 'n2', 'n3').state).toBe('unconfirmed');
    expect(
      judgeConfirmation(
        [
          { address: '198.51.100.10', answer: id('n2') },
          { address: '198.51.100.11', answer: { kind: 'silent' } },
        ],
        'n2',
        'n3',
      ).state,
    ).toBe('unconfirmed');
  });
  it('unverifiable when our own node answers (it carries the address), or when we may be on the holder, or with no IPv4 address', () => {
    expect(judgeConfirmation([{ address: '198.51.100.10', answer: id('n3') }], 'n2', 'n3').state).toBe('unverifiable');
    expect(judgeConfirmation([{ address: '198.51.100.10', answer: id('n2') }], 'n2', 'n2').state).toBe('unverifiable');
    expect(judgeConfirmation([{ address: '198.51.100.10', answer: id('n1') }], 'n2', undefined).state).toBe('unverifiable');
    expect(judgeConfirmation([], 'n2', 'n3').state).toBe('unverifiable');
  });
});
