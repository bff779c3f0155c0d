import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IpshiftError } from '../src/errors.js';
import { FileLedgerStore, LEDGER_FILE } from './ledger.js';

describe('FileLedgerStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ipshift-ledger-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a missing file is an empty ledger', async () => {
    await expect(new FileLedgerStore({ stateDir: join(dir, 'not-yet') }).load()).resolves.toEqual([]);
  });

  it('saves, creating the directory, and loads back canonical entries', async () => {
    const store = new FileLedgerStore({ stateDir: join(dir, 'state') });
    await store.save([
      { iface: 'eth0', cidr: '198.51.100.1/32' },
      { iface: 'eth0', cidr: '2001:db8:1::1/64' },
    ]);
    await expect(new FileLedgerStore({ stateDir: join(dir, 'state') }).load()).resolves.toEqual([
      { iface: 'eth0', cidr: '198.51.100.1/32' },
      { iface: 'eth0', cidr: '2001:db8:1::1/64' },
    ]);
    expect(JSON.parse(await readFile(join(dir, 'state', LEDGER_FILE), 'utf8'))).toMatchObject({ version: 1 });
  });

  it('canonicalises entries written by hand', async () => {
    await writeFile(join(dir, LEDGER_FILE), JSON.stringify({ version: 1, entries: [{ iface: 'eth0', cidr: '2001:DB8:1:0::1/64' }] }));
    await expect(new FileLedgerStore({ stateDir: dir }).load()).resolves.toEqual([{ iface: 'eth0', cidr: '2001:db8:1::1/64' }]);
  });

  it.each([
    ['not JSON', '{nope'],
    ['wrong version', JSON.stringify({ version: 2, entries: [] })],
    ['entry without interface', JSON.stringify({ version: 1, entries: [{ cidr: '198.51.100.1/32' }] })],
    ['entry with a bad CIDR', JSON.stringify({ version: 1, entries: [{ iface: 'eth0', cidr: '198.51.100.300/32' }] })],
  ])('a corrupt ledger (%s) is a terminal error, not an empty ledger', async (_description, body) => {
    await writeFile(join(dir, LEDGER_FILE), body);
    const error = await new FileLedgerStore({ stateDir: dir }).load().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(IpshiftError);
    expect(error).toMatchObject({ kind: 'terminal', code: 'ledger-corrupt' });
  });

  it('a write failure is a classified error', async () => {
    const blocker = join(dir, 'file');
    await writeFile(blocker, 'x');
    await expect(new FileLedgerStore({ stateDir: join(blocker, 'sub') }).save([])).rejects.toMatchObject({ code: 'ledger-write' });
  });
});
