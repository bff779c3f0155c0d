import { inspect } from 'node:util';
import type { LogFields, Logger } from '../../src/ports/logger.js';

/**
 * A Logger that keeps every line (all levels, child fields included) as text, the way a JSON
 * log shipper would see it, so tests can scan what would have left the process.
 */
export function createCapturingLogger(lines: string[] = [], bound: LogFields = {}): Logger & { lines: string[] } {
  const write =
    (level: string) =>
    (message: string, fields?: LogFields): void => {
      lines.push(`${level} ${message} ${render({ ...bound, ...fields })}`);
    };
  return {
    lines,
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (fields) => createCapturingLogger(lines, { ...bound, ...fields }),
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
