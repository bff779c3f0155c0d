import type { Clock } from '../ports/clock.js';
import { createServerDirectory, type ServerEntry } from './server-directory.js';

describe('createServerDirectory', () => {
  let now = 0;
  const clock: Clock = { now: () => now, sleep: () => Promise.resolve() };
  const entries: ServerEntry[] = [
    { id: '1', name: 'a', addresses: ['198.51.100.1', '2001:db8::1'] },
    { id: '2', name: 'b', addresses: ['198.51.100.2', '10.0.0.9'] },
    { id: '3', name: 'c', addresses: ['10.0.0.9'] },
  ];
  let loads = 0;
  const directory = createServerDirectory(
    () => {
      loads += 1;
      return Promise.resolve(entries);
    },
    clock,
    1_000,
  );

  it('matches by address (any spelling), refuses ambiguous addresses, falls back to the name, and caches', async () => {
    expect(await directory.find({ nodeName: 'x', addresses: ['2001:DB8:0::1'] })).toBe('1');
    expect(await directory.find({ nodeName: 'x', addresses: ['10.0.0.9'] })).toBeNull();
    expect(await directory.find({ nodeName: 'c', addresses: ['192.0.2.1'] })).toBe('3');
    expect(await directory.find({ nodeName: 'zz', addresses: [] })).toBeNull();
    expect(loads).toBe(1);
    now += 1_000;
    await directory.find({ nodeName: 'a', addresses: [] });
    expect(loads).toBe(2);
  });
});
