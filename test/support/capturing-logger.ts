import { inspect } from 'node:util';
import type { LogFields, Logger } from '../../src/ports/logger.js';

export interface LogRecord {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  /** The line's fields, its logger's bound (child) fields included. */
  readonly fields: LogFields;
}

export interface CapturingLogger extends Logger {
  /** Every line (all levels, child fields included) as text, the way a JSON log shipper would see it. */
  readonly lines: string[];
  /** The same lines as written. */
  readonly records: LogRecord[];
}

/** A Logger that keeps every line, its children's too, so tests can scan what would have left the process. */
export function createCapturingLogger(): CapturingLogger {
  return capturing([], [], {});
}

function capturing(lines: string[], records: LogRecord[], bound: LogFields): CapturingLogger {
  const write =
    (level: LogRecord['level']) =>
    (message: string, fields?: LogFields): void => {
      const all = { ...bound, ...fields };
      records.push({ level, message, fields: all });
      lines.push(`${level} ${message} ${render(all)}`);
    };
  return {
    lines,
    records,
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (fields) => capturing(lines, records, { ...bound, ...fields }),
  };
}

function render(fields: LogFields): string {
  try {
    return JSON.stringify(fields, (_key, value: unknown) =>
      value instanceof Error ? { message: value.message, stack: value.stack, detail: inspect(value, { depth: 6 }) } : value,
    );
  } catch {
    return inspect(fields, { depth: 6 });
  }
}
