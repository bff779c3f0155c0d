import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs `ip ARGS`, bounded at 10 s; its standard output. */
export async function ip(...args: string[]): Promise<string> {
  const { stdout } = await run('ip', args, { timeout: 10_000 });
  return stdout;
}

/** Sets sysctls inside a network namespace. */
export async function sysctlIn(namespace: string, ...settings: string[]): Promise<void> {
  await ip('netns', 'exec', namespace, 'sysctl', '-q', '-w', ...settings);
}

/** Duplicate address detection off (sysctlIn), so that a namespace's IPv6 addresses are usable at once. */
export const NO_DAD = ['net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0'] as const;
