import winston from 'winston';
import { inspect } from 'node:util';
import type { Logger, LogFields } from '../ports/logger.js';

export interface LoggerOptions {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  /** JSON lines in a cluster (for log shippers), readable text locally. */
  readonly format: 'json' | 'text';
  /** Where lines go; stdout by default. Tests pass a stream to capture them. */
  readonly stream?: NodeJS.WritableStream;
}

const text = winston.format.printf(({ level, message, timestamp, ...fields }) => {
  const rest = Object.entries(fields)
    .filter(([key]) => typeof key === 'string')
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : inspect(value, { breakLength: Infinity, depth: 3 })}`)
    .join(' ');
  return `${String(timestamp)} ${level.padEnd(5)} ${String(message)}${rest === '' ? '' : ` ${rest}`}`;
});

/** Secrets are a type that prints `[redacted]`; this makes sure JSON output calls its toJSON too. */
const replaceSecrets = winston.format((info) => {
  for (const [key, value] of Object.entries(info)) {
    if (value !== null && typeof value === 'object' && 'toJSON' in value && typeof (value as { toJSON: unknown }).toJSON === 'function') {
      (info as Record<string, unknown>)[key] = (value as { toJSON(): unknown }).toJSON();
    }
  }
  return info;
});

export function createLogger(options: LoggerOptions): Logger {
  const transport = new winston.transports.Stream({ stream: options.stream ?? process.stdout });
  const base = winston.createLogger({
    level: options.level,
    format: winston.format.combine(winston.format.timestamp(), replaceSecrets(), options.format === 'json' ? winston.format.json() : text),
    transports: [transport],
  });
  return wrap(base);
}

function wrap(target: winston.Logger): Logger {
  const log = (level: string) => (message: string, fields?: LogFields) => {
    target.log(level, message, fields ?? {});
  };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: (fields) => wrap(target.child(fields)),
  };
}
