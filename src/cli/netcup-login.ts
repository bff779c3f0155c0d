import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as oidc from 'openid-client';
import { Secret } from '../config/secret.js';
import { errorMessage } from '../errors.js';
import { systemClock } from '../ports/clock.js';
import { discoveryOptions, idClaim, numericId } from '../providers/netcup/netcup-auth.js';
import { NETCUP_DEFAULT_ISSUER_URL } from '../providers/netcup/netcup-provider.js';

/**
 * `ipshift netcup-login`: the one-time OIDC device login that yields netcup's offline refresh
 * token, and the Secret ipshift reads it from (keys refreshToken and userId).
 */

export interface NetcupLoginIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly fetch?: typeof fetch;
  /** Opens the verification page in a browser, when the caller can. Failures are ignored. */
  readonly openUrl?: (url: string) => unknown;
  /** Writes the Secret (with --apply); the composition root passes the Kubernetes SecretAccess. */
  readonly applySecret?: (namespace: string, name: string, values: Record<string, Secret>) => Promise<void>;
  readonly sleep?: (ms: number) => Promise<void>;
}

const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const DEFAULTS = { issuer: NETCUP_DEFAULT_ISSUER_URL, clientId: 'scp', secretName: 'netcup-credentials', namespace: 'ipshift' };

export const NETCUP_LOGIN_USAGE = `Usage: ipshift netcup-login [options]

Logs in to netcup's SCP with the OIDC device flow and produces the Secret ipshift reads
(keys refreshToken and userId). Without --apply it writes the refresh token to a file only you
can read and prints a kubectl command that reads it from there: the token itself never goes
to the terminal (and so never into a shell history or a scrollback).

Options:
  --issuer URL         OIDC issuer (default ${DEFAULTS.issuer})
  --client-id ID       OIDC client id (default ${DEFAULTS.clientId})
  --secret-name NAME   Secret name (default ${DEFAULTS.secretName})
  --namespace NS       Secret namespace (default ${DEFAULTS.namespace})
  --apply              write the Secret to the cluster instead of printing a command
  --token-file PATH    where to write the token without --apply (default: a new private
                       directory under the system's temp directory); never overwritten
  --help               show this text
`;

class LoginError extends Error {}

/** Returns the process exit code: 0 done, 1 login failed, 2 bad usage. */
export async function runNetcupLogin(argv: readonly string[], io: NetcupLoginIo): Promise<number> {
  let flags: { issuer: string; clientId: string; secretName: string; namespace: string; apply: boolean; help: boolean; tokenFile?: string };
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        issuer: { type: 'string' },
        'client-id': { type: 'string' },
        'secret-name': { type: 'string' },
        namespace: { type: 'string' },
        apply: { type: 'boolean' },
        'token-file': { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    });
    flags = {
      issuer: values.issuer ?? DEFAULTS.issuer,
      clientId: values['client-id'] ?? DEFAULTS.clientId,
      secretName: values['secret-name'] ?? DEFAULTS.secretName,
      namespace: values.namespace ?? DEFAULTS.namespace,
      apply: values.apply ?? false,
      help: values.help ?? false,
      ...(values['token-file'] === undefined ? {} : { tokenFile: values['token-file'] }),
    };
    new URL(flags.issuer);
  } catch (error) {
    io.stderr.write(`ipshift netcup-login: ${errorMessage(error)}\n\n${NETCUP_LOGIN_USAGE}`);
    return 2;
  }
  if (flags.help) {
    io.stdout.write(NETCUP_LOGIN_USAGE);
    return 0;
  }
  if (flags.apply && !io.applySecret) {
    io.stderr.write('ipshift netcup-login: --apply needs access to a cluster (KUBECONFIG or in-cluster config)\n');
    return 2;
  }

  try {
    const { refreshToken, userId } = await deviceLogin(flags.issuer, flags.clientId, io);
    const values: Record<string, Secret> = { refreshToken: new Secret(refreshToken) };
    if (userId !== undefined) values['userId'] = new Secret(String(userId));
    if (flags.apply && io.applySecret) {
      await io.applySecret(flags.namespace, flags.secretName, values);
      io.stderr.write(`Wrote Secret ${flags.namespace}/${flags.secretName} (keys: ${Object.keys(values).join(', ')}).\n`);
      return 0;
    }
    const tokenFile = await writeTokenFile(flags.tokenFile, refreshToken);
    io.stderr.write(
      `Logged in. The refresh token is in ${tokenFile} (readable only by you). Create the Secret with the command below ` +
        '(to replace an existing one, append: --dry-run=client -o yaml | kubectl apply -f -), then delete the file:\n',
    );
    io.stdout.write(`${kubectlCommand(flags.namespace, flags.secretName, tokenFile, userId)}\n`);
    return 0;
  } catch (error) {
    io.stderr.write(`ipshift netcup-login: ${describe(error)}\n`);
    return 1;
  }
}

async function deviceLogin(issuerUrl: string, clientId: string, io: NetcupLoginIo): Promise<{ refreshToken: string; userId?: number }> {
  const fetchImpl = io.fetch ?? globalThis.fetch;
  const sleep = io.sleep ?? ((ms: number) => systemClock.sleep(ms));
  const issuer = new URL(issuerUrl);
  const config = await oidc.discovery(issuer, clientId, { token_endpoint_auth_method: 'none' }, oidc.None(), discoveryOptions(issuer, fetchImpl, 30_000));
  const device = await oidc.initiateDeviceAuthorization(config, { scope: 'openid offline_access' });

  const page = device.verification_uri_complete ?? device.verification_uri;
  io.stderr.write(
    `Open ${page}\nand confirm the code ${device.user_code} (valid for ${Math.round(device.expires_in / 60)} minutes).\n` +
      'Grant the requested access, including offline access. Waiting…\n',
  );
  try {
    await io.openUrl?.(page);
  } catch {
    // No browser here: the printed link is enough.
  }

  // RFC 8628 §3.5: wait `interval` seconds between polls, 5 s more after every slow_down.
  let intervalMs = (device.interval ?? 5) * 1000;
  const deadline = Date.now() + device.expires_in * 1000;
  let tokens: oidc.TokenEndpointResponse | undefined;
  while (!tokens) {
    if (Date.now() + intervalMs > deadline) throw new LoginError('the code expired before the login was confirmed; run the command again');
    await sleep(intervalMs);
    try {
      tokens = await oidc.genericGrantRequest(config, DEVICE_CODE_GRANT, { device_code: device.device_code });
    } catch (error) {
      if (!(error instanceof oidc.ResponseBodyError)) throw error;
      if (error.error === 'authorization_pending') continue;
      if (error.error === 'slow_down') {
        intervalMs += 5000;
        continue;
      }
      if (error.error === 'access_denied') throw new LoginError('the login was declined');
      if (error.error === 'expired_token') throw new LoginError('the code expired before the login was confirmed; run the command again');
      throw error;
    }
  }

  if (!tokens.refresh_token) {
    throw new LoginError('the issuer returned no refresh token: offline access was not granted. Run again and allow offline access.');
  }
  return { refreshToken: tokens.refresh_token, ...(await userIdOf(config, tokens.access_token, io)) };
}

/** The SCP user id is the `id` claim (never `sub`): in the access token, else at userinfo. */
async function userIdOf(config: oidc.Configuration, accessToken: string, io: NetcupLoginIo): Promise<{ userId?: number }> {
  const fromToken = idClaim(accessToken);
  if (fromToken !== undefined) return { userId: fromToken };
  try {
    const info = await oidc.fetchUserInfo(config, accessToken, oidc.skipSubjectCheck);
    const fromUserinfo = numericId(info['id']);
    if (fromUserinfo !== undefined) return { userId: fromUserinfo };
  } catch {
    // fall through to the warning
  }
  io.stderr.write('Warning: no `id` claim found; ipshift will read the user id from the access token at run time.\n');
  return {};
}

function kubectlCommand(namespace: string, name: string, tokenFile: string, userId: number | undefined): string {
  const parts = ['kubectl create secret generic', shellQuote(name), '--namespace', shellQuote(namespace), `--from-file=refreshToken=${shellQuote(tokenFile)}`];
  if (userId !== undefined) parts.push(`--from-literal=userId=${userId}`);
  return parts.join(' ');
}

/** Mode 0600, created anew (an existing file is never overwritten, nor followed if a link). */
async function writeTokenFile(requested: string | undefined, refreshToken: string): Promise<string> {
  const path = requested === undefined ? join(await mkdtemp(join(tmpdir(), 'ipshift-netcup-')), 'refreshToken') : resolve(requested);
  try {
    await writeFile(path, refreshToken, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new LoginError(`cannot write the token file ${path}${typeof code === 'string' ? ` (${code})` : ''}: choose another with --token-file`);
  }
  return path;
}

function shellQuote(value: string): string {
  return /^[A-Za-z0-9._\-/=:]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Error text for the terminal; OAuth errors show their code only, never a token. */
function describe(error: unknown): string {
  if (error instanceof LoginError) return error.message;
  if (error instanceof oidc.ResponseBodyError) return `the issuer refused the request (${error.error}, HTTP ${error.status})`;
  if (error instanceof oidc.ClientError) return `OIDC error: ${error.message}${error.code ? ` (${error.code})` : ''}`;
  if (error instanceof Error) {
    const cause = error.cause as { code?: unknown } | undefined;
    return `${error.message}${typeof cause?.code === 'string' ? ` (${cause.code})` : ''}`;
  }
  return String(error);
}
