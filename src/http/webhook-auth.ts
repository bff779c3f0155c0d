import { hash, timingSafeEqual } from 'node:crypto';
import { Secret } from '../config/secret.js';

export interface BasicCredentials {
  readonly username: string;
  readonly password: Secret;
}

/**
 * How webhook callers authenticate. Either or both credentials may be set; `'none'` must be
 * chosen on purpose (the composition root refuses to start without auth outside the sandbox).
 */
export type WebhookAuth = 'none' | { readonly bearerToken?: Secret; readonly basic?: BasicCredentials };

/** Parses `user:password` (IPSHIFT_WEBHOOK_BASIC_AUTH). The error never echoes the value. */
export function parseBasicAuthSetting(value: string | Secret, settingName = 'IPSHIFT_WEBHOOK_BASIC_AUTH'): BasicCredentials {
  const raw = typeof value === 'string' ? value : value.reveal();
  const colon = raw.indexOf(':');
  if (colon <= 0 || colon === raw.length - 1) throw new Error(`${settingName} must have the form user:password (both non-empty)`);
  return { username: raw.slice(0, colon), password: new Secret(raw.slice(colon + 1)) };
}

const sha256 = (text: string): Buffer => hash('sha256', text, 'buffer');

/** Compares in constant time whatever the lengths: both sides are hashed to the same size first. */
export function constantTimeEquals(given: string, expected: string): boolean {
  return timingSafeEqual(sha256(given), sha256(expected));
}

/** constantTimeEquals against a fixed value, hashed once: a credential is checked on every request. */
function equalsInConstantTime(expected: string): (given: string) => boolean {
  const digest = sha256(expected);
  return (given) => timingSafeEqual(sha256(given), digest);
}

export interface AuthChecker {
  /** True when the Authorization header carries one of the configured credentials. */
  check(authorization: string | undefined): boolean;
  /** WWW-Authenticate challenges for a 401, one per accepted scheme. */
  readonly challenges: readonly string[];
}

const REALM = 'ipshift';

export function createAuthChecker(auth: WebhookAuth): AuthChecker {
  if (auth === 'none') return { check: () => true, challenges: [] };
  const { bearerToken, basic } = auth;
  if (bearerToken === undefined && basic === undefined) {
    throw new Error("webhook auth: configure a bearer token and/or basic auth, or choose 'none' explicitly");
  }
  if (bearerToken !== undefined && bearerToken.length === 0) throw new Error('webhook auth: the bearer token is empty');
  const challenges: string[] = [];
  if (bearerToken !== undefined) challenges.push(`Bearer realm="${REALM}"`);
  if (basic !== undefined) challenges.push(`Basic realm="${REALM}", charset="UTF-8"`);

  const bearerMatches = bearerToken === undefined ? undefined : equalsInConstantTime(bearerToken.reveal());
  const userMatches = basic === undefined ? undefined : equalsInConstantTime(basic.username);
  const passwordMatches = basic === undefined ? undefined : equalsInConstantTime(basic.password.reveal());

  return {
    challenges,
    check(authorization) {
      if (authorization === undefined) return false;
      const space = authorization.indexOf(' ');
      if (space <= 0) return false;
      const scheme = authorization.slice(0, space).toLowerCase();
      const credentials = authorization.slice(space + 1).trim();
      if (scheme === 'bearer' && bearerMatches !== undefined) return bearerMatches(credentials);
      if (scheme === 'basic' && userMatches !== undefined && passwordMatches !== undefined) {
        const decoded = Buffer.from(credentials, 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        if (colon < 0) return false;
        // Both halves are always compared, so timing does not tell which one was wrong.
        const userOk = userMatches(decoded.slice(0, colon));
        const passwordOk = passwordMatches(decoded.slice(colon + 1));
        return userOk && passwordOk;
      }
      return false;
    },
  };
}
