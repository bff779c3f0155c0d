import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createPublicKey, generateKeyPairSync, verify, type JsonWebKey } from 'node:crypto';
import Provider from 'oidc-provider';
import { createMemoryAdapterFactory } from './memory-adapter.js';
import { serveOnLoopback } from '../support/listen.js';

/**
 * A real OIDC server (oidc-provider 9) on 127.0.0.1:0 set up like netcup's Keycloak realm:
 * public client `scp` (no secret), device authorization grant, offline_access refresh tokens,
 * and the SCP user id in an `id` claim. Approval of a device login is automated: the harness
 * answers every login/consent interaction itself, and `approveDevice()` drives the real
 * verification pages with fetch and a cookie jar, as a browser would.
 */
export interface OidcHarnessOptions {
  /** Issue a new refresh token on every refresh (and kill the old one), or keep reusing one. */
  readonly rotateRefreshToken: boolean;
  /**
   * `jwt`: access tokens are JWTs for the SCP API resource, carrying `id` (what netcup does).
   * `opaque`: opaque access tokens; `id` only at userinfo.
   */
  readonly accessTokenFormat?: 'jwt' | 'opaque';
  readonly userId?: number;
  readonly accessTokenTtlSeconds?: number;
}

export interface OidcHarness {
  readonly issuerUrl: string;
  readonly userId: number;
  readonly provider: Provider;
  /** Number of token endpoint answers by grant type, e.g. refresh_token → 3. */
  readonly grants: Map<string, number>;
  /** Logs in through the verification page behind `verificationUri` and approves the device. */
  approveDevice(verificationUri: string): Promise<void>;
  /** The SCP user id behind an access token this issuer issued, or null (for the emulator's bearer check). */
  userIdForAccessToken(token: string): Promise<number | null>;
  /** Revokes the whole grant behind a refresh token, as "Remove access" in the account console does. */
  revokeRefreshToken(token: string): Promise<void>;
  close(): Promise<void>;
}

const API_RESOURCE = 'urn:ipshift:test:scp-core';
const ACCOUNT_ID = 'b1f6c9a2-keycloak-account';

export async function startOidcHarness(options: OidcHarnessOptions): Promise<OidcHarness> {
  const userId = options.userId ?? 424242;
  const format = options.accessTokenFormat ?? 'jwt';
  const ttl = options.accessTokenTtlSeconds ?? 300;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingKey = { ...(privateKey.export({ format: 'jwk' }) as JsonWebKey), kid: 'test', alg: 'RS256', use: 'sig' };
  const publicKey = createPublicKey({ key: signingKey, format: 'jwk' });

  const server = createServer();
  const { url: issuerUrl, close } = await serveOnLoopback(server);

  const page = (body: string) => `<!DOCTYPE html><html><body>${body}</body></html>`;
  const resourceIndicators =
    format === 'jwt'
      ? {
          enabled: true,
          defaultResource: () => API_RESOURCE,
          useGrantedResource: () => true,
          getResourceServerInfo: () => ({ scope: 'scp', audience: 'scp-core', accessTokenTTL: ttl, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } }),
        }
      : { enabled: false };

  const provider = new Provider(issuerUrl, {
    clients: [
      {
        client_id: 'scp',
        token_endpoint_auth_method: 'none',
        grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
        response_types: [],
        redirect_uris: [],
      },
    ],
    adapter: createMemoryAdapterFactory(),
    jwks: { keys: [signingKey] },
    cookies: { keys: ['ipshift-test-cookie-key'] },
    scopes: ['openid', 'offline_access'],
    claims: { openid: ['sub', 'id'] },
    findAccount: (_ctx: unknown, accountId: string) => ({
      accountId,
      claims: () => ({ sub: accountId, id: String(userId) }),
    }),
    extraTokenClaims: (_ctx: unknown, token: { accountId?: string }) => (token.accountId ? { id: String(userId) } : undefined),
    rotateRefreshToken: options.rotateRefreshToken,
    ttl: { AccessToken: ttl, IdToken: 3600, DeviceCode: 600, RefreshToken: 30 * 24 * 3600, Grant: 365 * 24 * 3600, Interaction: 600, Session: 3600 },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      resourceIndicators,
      deviceFlow: {
        enabled: true,
        userCodeInputSource: (ctx: { body: string }, form: string) => {
          ctx.body = page(form);
        },
        userCodeConfirmSource: (ctx: { body: string }, form: string) => {
          ctx.body = page(form);
        },
        successSource: (ctx: { body: string }) => {
          ctx.body = page('<p id="device-approved">Device approved</p>');
        },
      },
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
  });

  const grants = new Map<string, number>();
  provider.on('grant.success', (ctx: unknown) => {
    const type = (ctx as { oidc?: { params?: { grant_type?: string } } }).oidc?.params?.grant_type ?? 'unknown';
    const short = type.replace('urn:ietf:params:oauth:grant-type:', '');
    grants.set(short, (grants.get(short) ?? 0) + 1);
  });

  // The "user" approves every login and consent at once.
  async function interaction(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name === 'login') {
      await provider.interactionFinished(req, res, { login: { accountId: ACCOUNT_ID } }, { mergeWithLastSubmission: false });
      return;
    }
    const grant = details.grantId
      ? ((await provider.Grant.find(details.grantId)) ?? new provider.Grant({ accountId: ACCOUNT_ID, clientId: 'scp' }))
      : new provider.Grant({ accountId: ACCOUNT_ID, clientId: 'scp' });
    grant.addOIDCScope('openid offline_access');
    if (format === 'jwt') grant.addResourceScope(API_RESOURCE, 'scp');
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  const callback = provider.callback();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith('/interaction/')) {
      interaction(req, res).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(error instanceof Error ? error.message : 'interaction failed');
      });
      return;
    }
    callback(req, res);
  });

  async function approveDevice(verificationUri: string): Promise<void> {
    const jar = new Map<string, string>();
    const browse = async (url: string, form?: Record<string, string>): Promise<Response> => {
      const headers: Record<string, string> = { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') };
      if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
      const response = await fetch(new URL(url, issuerUrl), {
        method: form ? 'POST' : 'GET',
        headers,
        body: form ? new URLSearchParams(form).toString() : undefined,
        redirect: 'manual',
      });
      for (const cookie of response.headers.getSetCookie()) {
        const [pair = ''] = cookie.split(';');
        const at = pair.indexOf('=');
        jar.set(pair.slice(0, at), pair.slice(at + 1));
      }
      return response;
    };
    const hiddenInputs = (html: string): Record<string, string> =>
      Object.fromEntries([...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\/>/g)].map((m) => [m[1] ?? '', m[2] ?? '']));

    // GET the complete verification URI: an auto-submitting form (xsrf + user_code).
    let response = await browse(verificationUri);
    let html = await response.text();
    // POST it: the confirmation form; POST that (confirm=yes): the login/consent redirects begin.
    response = await browse('/device', hiddenInputs(html));
    html = await response.text();
    response = await browse('/device', hiddenInputs(html));
    for (let hop = 0; hop < 10 && response.status >= 300 && response.status < 400; hop += 1) {
      await response.body?.cancel();
      response = await browse(response.headers.get('location') ?? '/');
    }
    html = await response.text();
    if (!html.includes('device-approved')) throw new Error(`device approval did not finish (HTTP ${response.status}): ${html.slice(0, 300)}`);
  }

  async function userIdForAccessToken(token: string): Promise<number | null> {
    if (format === 'opaque') {
      const found = await provider.AccessToken.find(token);
      return found && !found.isExpired ? userId : null;
    }
    const [header, payload, signature] = token.split('.');
    if (!header || !payload || !signature) return null;
    const valid = verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature, 'base64url'));
    if (!valid) return null;
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: number; id?: string; iss?: string };
    if (claims.iss !== issuerUrl || (claims.exp ?? 0) * 1000 <= Date.now()) return null;
    return Number(claims.id);
  }

  async function revokeRefreshToken(token: string): Promise<void> {
    const found = await provider.RefreshToken.find(token);
    if (found?.grantId) await (await provider.Grant.find(found.grantId))?.destroy();
    await found?.destroy();
  }

  return {
    issuerUrl,
    userId,
    provider,
    grants,
    approveDevice,
    userIdForAccessToken,
    revokeRefreshToken,
    close,
  };
}
