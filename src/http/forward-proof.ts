import { createHmac } from 'node:crypto';
import { constantTimeEquals, type WebhookAuth } from './webhook-auth.js';

/**
 * What a follower sends with a webhook it forwards to the leader, instead of the caller's
 * Authorization header: an HMAC of the body and the time, keyed from the webhook credential the
 * replicas share (the same Secret). Whoever receives a forward (a listener named on a rewritten
 * Lease, say) learns no credential: only a proof for that one body, good for PROOF_MAX_AGE_MS.
 */
export const FORWARD_PROOF_HEADER = 'x-ipshift-forward-proof';

/** Replicas' clocks agree to well within this (NTP); a captured proof is worthless after it. */
export const PROOF_MAX_AGE_MS = 60_000;

export interface ForwardProof {
  /** The header value for `body`, signed at `now` (ms). */
  sign(body: Buffer, now: number): string;
  /** True when `header` proves `body` was signed by a replica with the same credential, recently. */
  verify(header: string | undefined, body: Buffer, now: number): boolean;
}

const DOMAIN = 'ipshift webhook forward v1';

/** null for `auth: 'none'`: nothing to prove (the leader accepts any caller then). */
export function createForwardProof(auth: WebhookAuth): ForwardProof | null {
  if (auth === 'none') return null;
  const material = auth.bearerToken?.reveal() ?? (auth.basic === undefined ? undefined : `${auth.basic.username}:${auth.basic.password.reveal()}`);
  if (material === undefined) return null;
  // A key of its own, so the proof never doubles as (or reveals anything about) the credential.
  const key = createHmac('sha256', material).update(DOMAIN).digest();
  const mac = (at: number, body: Buffer): string => createHmac('sha256', key).update(`${at}\n`).update(body).digest('hex');
  return {
    sign: (body, now) => `t=${Math.floor(now)},sha256=${mac(Math.floor(now), body)}`,
    verify(header, body, now) {
      if (header === undefined) return false;
      const match = /^t=(\d{1,16}),sha256=([0-9a-f]{64})$/.exec(header.trim());
      if (match === null) return false;
      const at = Number(match[1]);
      if (!(Math.abs(now - at) <= PROOF_MAX_AGE_MS)) return false;
      return constantTimeEquals(match[2] as string, mac(at, body));
    },
  };
}
