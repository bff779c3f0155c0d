import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage, terminalError, transientError } from '../src/errors.js';
import { formatCidr, parseCidr } from '../src/core/address.js';
import type { AddressOnInterface } from './reconcile-addresses.js';

/**
 * What the agent added, so it never removes an address it did not add. iproute2 6.1 (Debian
 * bookworm) cannot tag an address with a protocol (`ip addr add ... proto` needs 6.3+), and a
 * label only exists for IPv4, so the agent keeps its own record on the host.
 */
export interface LedgerStore {
  load(): Promise<AddressOnInterface[]>;
  save(entries: readonly AddressOnInterface[]): Promise<void>;
}

export const LEDGER_FILE = 'ledger.json';

interface LedgerFile {
  readonly version: 1;
  readonly entries: readonly AddressOnInterface[];
}

const canonicalEntries = (raw: unknown): AddressOnInterface[] | null => {
  if (typeof raw !== 'object' || raw === null) return null;
  const { version, entries } = raw as { version?: unknown; entries?: unknown };
  if (version !== 1 || !Array.isArray(entries)) return null;
  const out: AddressOnInterface[] = [];
  for (const e of entries as unknown[]) {
    const { iface, cidr } = (e ?? {}) as { iface?: unknown; cidr?: unknown };
    const parsed = typeof cidr === 'string' ? parseCidr(cidr) : null;
    if (typeof iface !== 'string' || iface === '' || parsed === null) return null;
    out.push({ iface, cidr: formatCidr(parsed) });
  }
  return out;
};

/**
 * A JSON file under the state directory (a hostPath in the DaemonSet, so the record outlives
 * the pod). Written to a temporary file and renamed, so a crash never leaves half a ledger.
 */
export class FileLedgerStore implements LedgerStore {
  private readonly path: string;

  constructor(private readonly options: { readonly stateDir: string }) {
    this.path = join(options.stateDir, LEDGER_FILE);
  }

  async load(): Promise<AddressOnInterface[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw transientError(`cannot read the ledger ${this.path}: ${errorMessage(error)}`, 'ledger-read', error);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw terminalError(`the ledger ${this.path} is not valid JSON`, 'ledger-corrupt', error);
    }
    const entries = canonicalEntries(parsed);
    if (entries === null)
      throw terminalError(`the ledger ${this.path} does not have the expected shape {version: 1, entries: [{iface, cidr}]}`, 'ledger-corrupt');
    return entries;
  }

  async save(entries: readonly AddressOnInterface[]): Promise<void> {
    const body: LedgerFile = { version: 1, entries: entries.map((e) => ({ iface: e.iface, cidr: e.cidr })) };
    const tmp = `${this.path}.${process.pid}.tmp`;
    try {
      await mkdir(this.options.stateDir, { recursive: true });
      await writeFile(tmp, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
      await rename(tmp, this.path);
    } catch (error) {
      throw transientError(`cannot write the ledger ${this.path}: ${errorMessage(error)}`, 'ledger-write', error);
    }
  }
}

export class MemoryLedgerStore implements LedgerStore {
  entries: AddressOnInterface[];

  constructor(initial: readonly AddressOnInterface[] = []) {
    this.entries = [...initial];
  }

  load(): Promise<AddressOnInterface[]> {
    return Promise.resolve([...this.entries]);
  }

  save(entries: readonly AddressOnInterface[]): Promise<void> {
    this.entries = [...entries];
    return Promise.resolve();
  }
}
