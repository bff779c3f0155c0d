import type { EmulatorControl } from '../fault-layer.js';

export type FailedTaskState = 'ERROR' | 'CANCELED' | 'ROLLBACK';

/**
 * The shared fault API (src/emulators/fault-layer.ts) plus netcup's own misbehaviours. Faults
 * hit the SCP REST API unless `target` says otherwise (`token`: the OIDC token endpoint).
 */
export interface NetcupEmulatorFaults extends EmulatorControl {
  /** The next routing task ends in `state` instead of FINISHED, leaving routing unchanged. */
  failNextTask(state?: FailedTaskState): void;
  /** Every access token issued so far stops working (401), as after a Keycloak restart. */
  expireTokens(): void;
  /** Revokes one refresh token, or all of them: the token endpoint then answers invalid_grant. */
  revokeRefreshToken(token?: string): void;
}
