import { PassThrough } from 'node:stream';
import { createLogger, textValue } from './winston-logger.js';
import { rateLimitedLog } from './rate-limited.js';
import { redactAccountIds } from './redact.js';

function capture(format: 'json' | 'text', level: 'debug' | 'info' = 'debug'): { logger: ReturnType<typeof createLogger>; lines: () => string[] } {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  return {
    logger: createLogger({ level, format, stream }),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l !== ''),
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('text log lines', () => {
  it('a hostile label value cannot forge a line or a field', async () => {
    const { logger, lines } = capture('text');
    const forged = 'node-1\n2026-12-01T00:00:00.000Z info  moved failoverIP=default/web node=evil';
    logger.info('alert firing', { node: forged, alertname: 'A B', quote: 'say "hi"', empty: '', tab: 'a\tb', sep: 'x\u2028y' });
    await tick();
    expect(lines()).toHaveLength(1);
    const line = lines()[0] as string;
    expect(line).toContain(`node=${JSON.stringify(forged)}`);
    expect(line).toContain('alertname="A B"');
    expect(line).toContain('quote="say \\"hi\\""');
    expect(line).toContain('empty=""');
    expect(line).toContain('tab="a\\tb"');
    expect(line).toContain('sep="x\\u2028y"');
    // Read back as a log parser would (logfmt): the fields are exactly the ones logged.
    const fields = [...line.matchAll(/ (\w+)=("(?:[^"\\]|\\.)*"|\S*)/g)].map(([, key, value]) => [
      key,
      (value as string).startsWith('"') ? JSON.parse(value as string) : value,
    ]);
    expect(fields).toEqual([
      ['node', forged],
      ['alertname', 'A B'],
      ['quote', 'say "hi"'],
      ['empty', ''],
      ['tab', 'a\tb'],
      ['sep', 'x\u2028y'],
    ]);
  });

  it('plain values stay readable, and the message cannot break the line either', async () => {
    const { logger, lines } = capture('text');
    logger.warn('first\nsecond', { node: 'node-1', count: 3 });
    await tick();
    expect(lines()).toHaveLength(1);
    expect(lines()[0]).toMatch(/warn {2}first\\u000asecond node=node-1 count=3$/);
    expect(textValue({ a: 'x\ny' })).toBe("{ a: 'x\\ny' }");
  });
});

describe('provider account identifiers', () => {
  const error = 'netcup GET /api/v1/users/4711/failoverips/v4: HTTP 503';

  it('are redacted from every log line, text and JSON, message and fields', async () => {
    for (const format of ['text', 'json'] as const) {
      const { logger, lines } = capture(format);
      logger.warn(`route failed: ${error}`, { error, nested: { cause: error } });
      await tick();
      expect(lines()).toHaveLength(1);
      expect(lines()[0]).not.toContain('4711');
      expect(lines()[0]).toContain('/api/v1/users/[redacted]/failoverips/v4');
    }
  });

  it('redaction keeps the rest of the text', () => {
    expect(redactAccountIds(error)).toBe('netcup GET /api/v1/users/[redacted]/failoverips/v4: HTTP 503');
    expect(redactAccountIds('no account here')).toBe('no account here');
  });
});

describe('errors in log fields', () => {
  const failure = (): Error =>
    new Error('status update failed', {
      cause: new Error('PATCH failoverips/web: HTTP 503', { cause: new Error('socket hang up') }),
    });

  it.each(['json', 'text'] as const)('%s at info: the message and its whole cause chain, no stack', async (format) => {
    const { logger, lines } = capture(format, 'info');
    logger.warn('status update failed', { failoverIP: 'default/web', err: failure() });
    await tick();
    expect(lines()).toHaveLength(1);
    const line = lines()[0] as string;
    expect(line).toContain('status update failed; caused by: PATCH failoverips/web: HTTP 503; caused by: socket hang up');
    expect(line).not.toContain('errStack');
    expect(line).not.toMatch(/at .*winston-logger\.test/);
  });

  it('at debug: the chain and the stacks of the error and its causes', async () => {
    const { logger, lines } = capture('json', 'debug');
    logger.error('move crashed', { err: failure() });
    await tick();
    const entry = JSON.parse(lines()[0] as string) as { err: string; errStack: string };
    expect(entry.err).toBe('status update failed; caused by: PATCH failoverips/web: HTTP 503; caused by: socket hang up');
    expect(entry.errStack).toMatch(/^Error: status update failed\n\s+at .*winston-logger\.test/);
    expect(entry.errStack).toContain('caused by: Error: socket hang up\n');
  });

  it('a cause that names an account is redacted like the rest of the line', async () => {
    const { logger, lines } = capture('text', 'debug');
    logger.warn('route failed', { err: new Error('move failed', { cause: new Error('netcup GET /api/v1/users/4711/failoverips/v4: HTTP 503') }) });
    await tick();
    expect(lines()[0]).not.toContain('4711');
    expect(lines()[0]).toContain('caused by: netcup GET /api/v1/users/[redacted]/failoverips/v4');
  });
});

describe('rateLimitedLog', () => {
  it('writes the first event at once, counts the rest, reports the count with the next line', () => {
    let now = 0;
    const written: Array<Record<string, unknown>> = [];
    const log = rateLimitedLog(
      (fields) => written.push(fields),
      60_000,
      () => now,
    );
    for (let i = 0; i < 1000; i++) log({ why: 'wrong credentials' });
    expect(written).toEqual([{ why: 'wrong credentials' }]);
    now = 60_000;
    log({ why: 'missing credentials' });
    expect(written).toEqual([{ why: 'wrong credentials' }, { why: 'missing credentials', suppressedSinceLast: 999 }]);
  });
});
