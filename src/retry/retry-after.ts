/**
 * The project's one reading of "how long did the other side ask us to wait".
 * Header access is by name, so both fetch `Headers` and plain header records fit.
 */
export interface HeaderSource {
  get(name: string): string | null | undefined;
}

/**
 * Parses an HTTP Retry-After value (delta-seconds or HTTP-date, RFC 9110 §10.2.3) into
 * milliseconds from `nowMs`. Returns undefined when absent or unparseable.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/**
 * How long a refusal asks us to wait: Retry-After (seconds or HTTP date), else RateLimit-Reset,
 * which providers send either as a UNIX time (Hetzner, DigitalOcean) or as delta-seconds
 * (the IETF draft); values that can only be a UNIX time are read as one.
 */
export function rateLimitWaitMs(headers: HeaderSource, nowMs: number): number | undefined {
  const retryAfter = parseRetryAfter(headers.get('retry-after'), nowMs);
  if (retryAfter !== undefined) return retryAfter;
  const reset = headers.get('ratelimit-reset')?.trim();
  if (!reset || !/^\d+$/.test(reset)) return undefined;
  const value = Number(reset);
  return value > 1_000_000_000 ? Math.max(0, value * 1000 - nowMs) : value * 1000;
}
