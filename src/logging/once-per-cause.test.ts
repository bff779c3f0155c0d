import { createCapturingLogger } from '../../test/support/capturing-logger.js';
import type { LogFields } from '../ports/logger.js';
import { oncePerCause } from './once-per-cause.js';

describe('oncePerCause', () => {
  const logger = createCapturingLogger();
  const lines = (): Array<[string, string, LogFields]> =>
    logger.records.filter((r) => r.level === 'info' || r.level === 'warn').map((r) => [r.level, r.message, r.fields]);
  const failures = oncePerCause(logger, { failing: 'write failed', recovered: 'write works again' });

  it('logs a failure once per cause with the error itself, and the recovery once, re-arming the warning', () => {
    const forbidden = new Error('HTTP 403');
    failures.succeeded();
    failures.failed(forbidden, { what: 'a' });
    failures.failed(new Error('HTTP 403'), { what: 'b' });
    failures.failed('socket hang up', { what: 'c' });
    failures.succeeded();
    failures.succeeded();
    failures.failed(forbidden, { what: 'd' });
    expect(lines()).toEqual([
      ['warn', 'write failed', { what: 'a', err: forbidden }],
      ['warn', 'write failed', { what: 'c', err: 'socket hang up' }],
      ['info', 'write works again', { previousError: 'socket hang up' }],
      ['warn', 'write failed', { what: 'd', err: forbidden }],
    ]);
  });
});
