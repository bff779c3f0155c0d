import { readFileSync } from 'node:fs';
import { runNetcupLogin } from '../../src/cli/netcup-login.js';
import type { OidcHarness } from './oidc-provider-harness.js';

export interface LoginRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Every wait the CLI asked for between polls, in ms. */
  readonly sleeps: number[];
}

/**
 * Runs `ipshift netcup-login` against a harness with the approval automated: the CLI's
 * "open the browser" hook drives the verification pages. Waits are shortened to a few ms (and
 * recorded) so a test does not sit out the 5 s polling interval.
 */
export async function runLoginAgainst(harness: OidcHarness, args: readonly string[] = [], fetchImpl: typeof fetch = fetch): Promise<LoginRun> {
  let stdout = '';
  let stderr = '';
  const sleeps: number[] = [];
  let approval: Promise<void> | undefined;
  const code = await runNetcupLogin(['--issuer', harness.issuerUrl, ...args], {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    fetch: fetchImpl,
    openUrl: (url) => {
      approval = harness.approveDevice(url);
    },
    sleep: async (ms) => {
      sleeps.push(ms);
      if (sleeps.length > 200) throw new Error('too many polls');
      await new Promise((resolve) => setTimeout(resolve, 5));
      // Settle the approval before polls pile up, surfacing its failure if it had one.
      if (sleeps.length > 3) await approval;
    },
  });
  await approval;
  return { code, stdout, stderr, sleeps };
}

/** The refresh token the printed kubectl command reads (from the file it names: never printed itself). */
export function refreshTokenFrom(stdout: string): string {
  const match = /--from-file=refreshToken='?([^' \n]+)'?/.exec(stdout);
  if (!match?.[1]) throw new Error(`no token file in: ${stdout}`);
  return readFileSync(match[1], 'utf8');
}
