/**
 * The cooldown, computed here only: the decision, the move's status writes and
 * status.nextMoveAllowedAt all use these two functions, so they cannot disagree.
 */

/** The FailoverIP's cooldown: spec.policy.cooldownSeconds, else the provider's own minimum interval. */
export function cooldownMs(cooldownSeconds: number | undefined, providerMinMoveIntervalMs: number): number {
  return cooldownSeconds === undefined ? providerMinMoveIntervalMs : cooldownSeconds * 1000;
}

/**
 * When the next move may start: the later of the last move plus the cooldown in force now
 * (a changed cooldownSeconds moves it either way) and a block the provider imposed (a rate
 * limit's Retry-After). Null when nothing has ever blocked.
 */
export function nextMoveAllowedAt(lastMoveAt: number | null, cooldown: number, providerBlockedUntil: number | null): number | null {
  const fromCooldown = lastMoveAt === null ? null : lastMoveAt + cooldown;
  if (fromCooldown === null) return providerBlockedUntil;
  return providerBlockedUntil === null ? fromCooldown : Math.max(fromCooldown, providerBlockedUntil);
}
