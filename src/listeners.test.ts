import { Listeners } from './listeners.js';

describe('Listeners', () => {
  it('tells every listener in turn, and one that unsubscribes is told no more', () => {
    const told: string[] = [];
    const listeners = new Listeners<number>();
    const stopA = listeners.add((n) => told.push(`a${n}`));
    listeners.add((n) => told.push(`b${n}`));
    listeners.notify(1);
    stopA();
    listeners.notify(2);
    expect(told).toEqual(['a1', 'b1', 'b2']);
    expect(listeners.size).toBe(1);
  });

  it('with onError, reports a throwing listener and still tells the rest; without, the throw surfaces', () => {
    const reported: Array<[unknown, number]> = [];
    const told: number[] = [];
    const boom = new Error('boom');
    const guarded = new Listeners<number>((error, value) => reported.push([error, value]));
    guarded.add(() => {
      throw boom;
    });
    guarded.add((n) => told.push(n));
    guarded.notify(7);
    expect(reported).toEqual([[boom, 7]]);
    expect(told).toEqual([7]);

    const bare = new Listeners<number>();
    bare.add(() => {
      throw boom;
    });
    expect(() => bare.notify(1)).toThrow(boom);
  });
});
