import { createHmac, randomBytes, randomUUID } from 'node:crypto';

export interface EmulatorIssuerOptions {
  readonly issuerUrl: string;
  readonly userId: number;
  readonly clientId: string;
  readonly accessTokenTtlSeconds: number;
  readonly rotateRefreshTokens: boolean;
  readonly deviceIntervalSeconds: number;
  readonly now: () => number;
}

export interface OAuthReply {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

interface DeviceGrant {
  readonly userCode: string;
  readonly expiresAt: number;
  approved: boolean;
  used: boolean;
}

const token = (bytes: number): string => randomBytes(bytes).toString('base64url');

/**
 * A minimal stand-in for netcup's Keycloak realm: discovery, refresh_token and device_code
 * grants for the public client, userinfo, revocation. Access tokens are HS256 JWTs carrying the
 * SCP user id in `id`, as netcup's do; the emulator also remembers them so it can expire them.
 */
export class EmulatorIssuer {
  readonly #options: EmulatorIssuerOptions;
  readonly #key = randomBytes(32);
  readonly #refreshTokens = new Set<string>();
  readonly #accessTokens = new Map<string, number>();
  readonly #devices = new Map<string, DeviceGrant>();
  refreshGrants = 0;

  constructor(options: EmulatorIssuerOptions) {
    this.#options = options;
  }

  issueRefreshToken(): string {
    const value = `emu-rt-${token(24)}`;
    this.#refreshTokens.add(value);
    return value;
  }

  revokeRefreshToken(value?: string): void {
    if (value === undefined) this.#refreshTokens.clear();
    else this.#refreshTokens.delete(value);
  }

  expireAccessTokens(): void {
    this.#accessTokens.clear();
  }

  /** The SCP user id behind a bearer token, or null when it is unknown or expired. */
  userIdFor(accessToken: string): number | null {
    const expiresAt = this.#accessTokens.get(accessToken);
    if (expiresAt === undefined || this.#options.now() >= expiresAt) return null;
    return this.#options.userId;
  }

  discovery(): Record<string, unknown> {
    const base = `${this.#options.issuerUrl}/protocol/openid-connect`;
    return {
      issuer: this.#options.issuerUrl,
      authorization_endpoint: `${base}/auth`,
      token_endpoint: `${base}/token`,
      userinfo_endpoint: `${base}/userinfo`,
      jwks_uri: `${base}/certs`,
      revocation_endpoint: `${base}/revoke`,
      device_authorization_endpoint: `${base}/auth/device`,
      grant_types_supported: ['refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
      token_endpoint_auth_methods_supported: ['none'],
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['HS256'],
      scopes_supported: ['openid', 'offline_access', 'profile', 'email'],
    };
  }

  /** The token endpoint. Errors use Keycloak's codes (invalid_grant "Token is not active", ...). */
  token(form: URLSearchParams): OAuthReply {
    if (form.get('client_id') !== this.#options.clientId) {
      return { status: 401, body: { error: 'invalid_client', error_description: 'Invalid client or Invalid client credentials' } };
    }
    const grantType = form.get('grant_type');
    if (grantType === 'refresh_token') {
      const presented = form.get('refresh_token') ?? '';
      if (!this.#refreshTokens.has(presented)) {
        return { status: 400, body: { error: 'invalid_grant', error_description: 'Token is not active' } };
      }
      this.refreshGrants += 1;
      let refreshToken = presented;
      if (this.#options.rotateRefreshTokens) {
        this.#refreshTokens.delete(presented);
        refreshToken = this.issueRefreshToken();
      }
      return { status: 200, body: this.#tokenResponse(refreshToken) };
    }
    if (grantType === 'urn:ietf:params:oauth:grant-type:device_code') {
      const device = this.#devices.get(form.get('device_code') ?? '');
      if (!device || device.used) return { status: 400, body: { error: 'invalid_grant', error_description: 'Code not valid' } };
      if (this.#options.now() >= device.expiresAt) return { status: 400, body: { error: 'expired_token' } };
      if (!device.approved) return { status: 400, body: { error: 'authorization_pending' } };
      device.used = true;
      return { status: 200, body: this.#tokenResponse(this.issueRefreshToken()) };
    }
    return { status: 400, body: { error: 'unsupported_grant_type' } };
  }

  deviceAuthorization(form: URLSearchParams): OAuthReply {
    if (form.get('client_id') !== this.#options.clientId) return { status: 401, body: { error: 'invalid_client' } };
    const deviceCode = token(24);
    const userCode = `${randomBytes(2).toString('hex')}-${randomBytes(2).toString('hex')}`.toUpperCase();
    this.#devices.set(deviceCode, { userCode, expiresAt: this.#options.now() + 600_000, approved: false, used: false });
    const verification = `${this.#options.issuerUrl}/device`;
    return {
      status: 200,
      body: {
        device_code: deviceCode,
        user_code: userCode,
        verification_uri: verification,
        verification_uri_complete: `${verification}?user_code=${userCode}`,
        expires_in: 600,
        interval: this.#options.deviceIntervalSeconds,
      },
    };
  }

  /** The emulator has no users to log in: visiting the verification page approves the code. */
  approveDevice(userCode: string): boolean {
    for (const device of this.#devices.values()) {
      if (device.userCode === userCode.toUpperCase() && !device.used) {
        device.approved = true;
        return true;
      }
    }
    return false;
  }

  userinfo(accessToken: string): OAuthReply {
    if (this.userIdFor(accessToken) === null) return { status: 401, body: { error: 'invalid_token' } };
    return { status: 200, body: { sub: randomUUID(), id: String(this.#options.userId), preferred_username: '100000' } };
  }

  revoke(form: URLSearchParams): OAuthReply {
    const value = form.get('token');
    if (value) {
      this.#refreshTokens.delete(value);
      this.#accessTokens.delete(value);
    }
    return { status: 200, body: {} };
  }

  #tokenResponse(refreshToken: string): Record<string, unknown> {
    const nowSeconds = Math.floor(this.#options.now() / 1000);
    const ttl = this.#options.accessTokenTtlSeconds;
    const accessToken = this.#jwt({
      iss: this.#options.issuerUrl,
      sub: randomUUID(),
      azp: this.#options.clientId,
      typ: 'Bearer',
      id: String(this.#options.userId),
      iat: nowSeconds,
      exp: nowSeconds + ttl,
      jti: randomUUID(),
      scope: 'profile offline_access email',
    });
    this.#accessTokens.set(accessToken, this.#options.now() + ttl * 1000);
    return {
      access_token: accessToken,
      expires_in: ttl,
      refresh_expires_in: 0,
      refresh_token: refreshToken,
      token_type: 'Bearer',
      'not-before-policy': 0,
      scope: 'profile offline_access email',
    };
  }

  #jwt(payload: Record<string, unknown>): string {
    const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(payload)}`;
    return `${unsigned}.${createHmac('sha256', this.#key).update(unsigned).digest('base64url')}`;
  }
}
