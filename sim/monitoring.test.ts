import { Engine } from './engine.js';
import { AlertmanagerSim, RuleInstance, ScrapedSeries, type AlertNotification, type SimAlert } from './monitoring.js';
import { defaultTimings } from './timings.js';

const alert: SimAlert = { fingerprint: 'f', labels: { alertname: 'X' } };

describe('ScrapedSeries', () => {
  it('samples at the next scrape tick; a failure shows after the timeout, a recovery at once', () => {
    const engine = new Engine();
    let truth = true;
    const changes: Array<[number, boolean]> = [];
    const series = new ScrapedSeries(
      engine,
      5_000,
      1_000,
      () => truth,
      4_500,
      () => changes.push([engine.now, series.value]),
    );
    engine.at(12_000, () => {
      truth = false;
      series.touch();
    });
    engine.at(30_500, () => {
      truth = true;
      series.touch();
    });
    engine.run(60_000);
    expect(changes).toEqual([
      [16_000 + 4_500, false],
      [31_000, true],
    ]);
  });

  it('misses a failure shorter than the gap to the next tick', () => {
    const engine = new Engine();
    let truth = true;
    let changes = 0;
    const series = new ScrapedSeries(
      engine,
      5_000,
      0,
      () => truth,
      4_500,
      () => changes++,
    );
    engine.at(1_000, () => {
      truth = false;
      series.touch();
    });
    engine.at(3_000, () => {
      truth = true;
      series.touch();
    });
    engine.run(60_000);
    expect(changes).toBe(0);
  });
});

describe('RuleInstance (Prometheus `for`)', () => {
  function rule(forMs: number) {
    const engine = new Engine();
    let value = false;
    const sent: Array<[number, boolean]> = [];
    const instance = new RuleInstance(
      engine,
      5_000,
      2_000,
      forMs,
      alert,
      () => value,
      (_a, firing) => sent.push([engine.now, firing]),
    );
    const set = (at: number, v: boolean): void =>
      engine.at(at, () => {
        value = v;
        instance.touch();
      });
    return { engine, set, sent, instance };
  }

  it('goes active at the first evaluation that sees the condition and fires `for` later', () => {
    const r = rule(10_000);
    r.set(3_000, true); // next evaluation at 7 s → active; fires at 17 s
    r.set(40_000, false); // next evaluation at 42 s → resolved
    r.engine.run(100_000);
    expect(r.sent).toEqual([
      [17_000, true],
      [42_000, false],
    ]);
  });

  it('an evaluation that finds the condition gone resets the pending alert', () => {
    const r = rule(30_000);
    r.set(3_000, true); // active at 7 s
    r.set(20_000, false); // seen false at 22 s → reset
    r.set(23_000, true); // active again at 27 s, fires at 57 s
    r.engine.run(100_000);
    expect(r.sent).toEqual([[57_000, true]]);
    expect(r.instance.state).toBe('firing');
  });

  it('for: 0 fires at the first evaluation', () => {
    const r = rule(0);
    r.set(3_000, true);
    r.engine.run(10_000);
    expect(r.sent).toEqual([[7_000, true]]);
  });
});

describe('AlertmanagerSim', () => {
  it('sends a new group after group_wait, a resolve at the next group_interval tick, and a re-fire as a new group', () => {
    const engine = new Engine();
    const timings = { ...defaultTimings(), groupWaitMs: 0, groupIntervalMs: 10_000, webhookMs: 20 };
    const delivered: Array<[number, AlertNotification]> = [];
    const am = new AlertmanagerSim(engine, timings, (n) => delivered.push([engine.now, n]));
    engine.at(1_000, () => am.receive(alert, true));
    engine.at(3_000, () => am.receive(alert, true)); // a resend: nothing new
    engine.at(15_000, () => am.receive(alert, false));
    engine.at(40_000, () => am.receive(alert, true));
    engine.run(100_000);
    expect(delivered).toEqual([
      [1_020, { firing: [alert], resolved: [] }],
      [21_020, { firing: [], resolved: [alert] }],
      [40_020, { firing: [alert], resolved: [] }],
    ]);
  });

  it('drops an alert resolved before its group was first sent', () => {
    const engine = new Engine();
    const delivered: AlertNotification[] = [];
    const am = new AlertmanagerSim(engine, { ...defaultTimings(), groupWaitMs: 30_000, groupIntervalMs: 10_000 }, (n) => delivered.push(n));
    engine.at(0, () => am.receive(alert, true));
    engine.at(5_000, () => am.receive(alert, false));
    engine.run(100_000);
    expect(delivered).toEqual([]);
  });
});
