import type { Decision } from './decide.js';
import { isoTime } from './time.js';

/**
 * A FailoverIP whose addresses the provider routes to different servers (it took a move in
 * part) is healed toward the holder of its first address when the decision would otherwise
 * keep things as they are. The heal completes a move already made, so the FailoverIP's cooldown
 * does not apply; only the provider's own block (a rate limit's Retry-After) does.
 */
export function healPartialRouting(decision: Decision, holder: string | null, partial: boolean, providerBlockedUntil: number | null, now: number): Decision {
  if (!partial || holder === null || holder.startsWith('server:') || decision.outcome !== 'keep') return decision;
  const message = `partial routing: not every address is on ${holder}; routing the rest there`;
  if (providerBlockedUntil !== null && now < providerBlockedUntil) {
    const until = isoTime(providerBlockedUntil);
    return {
      outcome: 'wait-cooldown',
      reason: 'partial-routing',
      target: holder,
      message: `${message} once the provider allows it (${until})`,
      retryAt: providerBlockedUntil,
      cooldownEndsAt: providerBlockedUntil,
    };
  }
  return { outcome: 'move', reason: 'partial-routing', target: holder, message, retryAt: null, cooldownEndsAt: null };
}
