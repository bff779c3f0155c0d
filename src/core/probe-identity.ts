/**
 * The line the agent's probe port writes on every connect, and its parser: the only format the
 * node probe trusts to say which node answered. One line, ASCII, at most 300 bytes:
 *
 *   ipshift-agent/1 node=<node name> boot=<boot id>\n
 *
 * The boot id (/proc/sys/kernel/random/boot_id) changes on every boot, so a node that crashed
 * and came back between two rounds is told apart from one that never stopped.
 */
export interface ProbeIdentity {
  readonly node: string;
  readonly bootId: string;
}

const PREFIX = 'ipshift-agent/1';
/** Longer lines are not ours: the prober stops reading there. */
export const IDENTITY_LINE_MAX = 300;
const LINE = /^ipshift-agent\/1 node=([a-z0-9]([-a-z0-9.]*[a-z0-9])?) boot=([0-9a-f-]{1,64})$/;

export function formatIdentityLine(identity: ProbeIdentity): string {
  return `${PREFIX} node=${identity.node} boot=${identity.bootId}\n`;
}

/** The identity in `text` (the bytes read up to the first newline), or null when it is not the agent's line. */
export function parseIdentityLine(text: string): ProbeIdentity | null {
  const match = LINE.exec(text.replace(/\r?\n$/, ''));
  if (match === null) return null;
  return { node: match[1] as string, bootId: match[3] as string };
}
