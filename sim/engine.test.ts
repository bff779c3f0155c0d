import { Engine, nextTick, previousTick } from './engine.js';

describe('Engine', () => {
  it('runs events in time order, same-time events in the order they were scheduled', () => {
    const engine = new Engine();
    const seen: string[] = [];
    engine.at(30, () => seen.push('c@30'));
    engine.at(10, () => seen.push('a@10'));
    engine.at(10, () => seen.push('b@10'));
    engine.at(20, () => {
      seen.push('x@20');
      // Scheduled from inside an event for the same moment: after what is already due.
      engine.at(20, () => seen.push('y@20'));
      engine.at(5, () => seen.push('past→20'));
    });
    engine.run(100);
    expect(seen).toEqual(['a@10', 'b@10', 'x@20', 'y@20', 'past→20', 'c@30']);
    expect(engine.now).toBe(100);
    expect(engine.processed).toBe(6);
  });

  it('stops at `until` and keeps later events for the next run', () => {
    const engine = new Engine();
    const seen: number[] = [];
    for (const t of [50, 10, 40, 20, 30]) engine.at(t, () => seen.push(engine.now));
    engine.run(25);
    expect(seen).toEqual([10, 20]);
    expect(engine.now).toBe(25);
    engine.after(1, () => seen.push(engine.now));
    engine.run(1000);
    expect(seen).toEqual([10, 20, 26, 30, 40, 50]);
  });

  it('orders many random events like a stable sort would', () => {
    const engine = new Engine();
    const times = Array.from({ length: 500 }, (_, i) => (i * 7919) % 101);
    const seen: Array<[number, number]> = [];
    times.forEach((t, i) => engine.at(t, () => seen.push([t, i])));
    engine.run(1000);
    const expected = times.map((t, i) => [t, i] as [number, number]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    expect(seen).toEqual(expected);
  });
});

describe('periodic ticks', () => {
  it.each([
    [0, 10, 3, 3, -7],
    [3, 10, 3, 3, 3],
    [4, 10, 3, 13, 3],
    [12.5, 5, 0, 15, 10],
    [15, 5, 0, 15, 15],
  ])('t=%p period=%p phase=%p → next %p, previous %p', (t, period, phase, next, previous) => {
    expect(nextTick(t, period, phase)).toBe(next);
    expect(previousTick(t, period, phase)).toBe(previous);
  });
});
