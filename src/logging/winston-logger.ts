import winston from 'winston';
import { inspect } from 'node:util';
import type { Logger, LogFields } from '../ports/logger.js';
import { redactAccountIds } from './redact.js';
import { causeChain } from '../errors.js';

export interface LoggerOptions {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  /** JSON lines in a cluster (for log shippers), readable text locally. */
  readonly format: 'json' | 'text';
  /** Where lines go; stdout by default. Tests pass a stream to capture them. */
  readonly stream?: NodeJS.WritableStream;
}

/** Control characters in the message itself (which may quote data) are escaped, never written. */
const escapeControls = (message: string): string =>
  message.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/**
 * A value as one token of a text line: quoted and escaped (JSON rules) when it holds anything
 * that could end the token or the line, so a label value such as `x\n2026-01-01 info moved`
 * cannot forge a log line or a field.
 */
export function textValue(value: unknown): string {
  if (typeof value === 'string')
    return /^[^\s"'=\\\u0000-\u001f\u007f-\u009f\u2028\u2029]*$/.test(value) && value !== '' ? value : escapeControls(JSON.stringify(value));
  return inspect(value, { breakLength: Infinity, depth: 3 });
}

const text = winston.format.printf(({ level, message, timestamp, ...fields }) => {
  const rest = Object.entries(fields)
    .filter(([key]) => typeof key === 'string')
    .map(([key, value]) => `${key}=${textValue(value)}`)
    .join(' ');
  return `${String(timestamp)} ${level.padEnd(5)} ${escapeControls(String(message))}${rest === '' ? '' : ` ${rest}`}`;
});

/** The finished line, whatever the format, never names a provider account. */
const redactLine = winston.format((info) => {
  const MESSAGE = Symbol.for('message');
  const line = (info as unknown as Record<symbol, unknown>)[MESSAGE];
  if (typeof line === 'string') (info as unknown as Record<symbol, unknown>)[MESSAGE] = redactAccountIds(line);
  return info;
});

/**
 * A thrown value in the fields (by convention `err`) becomes its message and cause chain, which
 * say what went wrong; its stack (and its causes' stacks) goes in `<key>Stack` only when the
 * logger runs at debug, since stacks are long and say where, which an operator rarely needs.
 * winston's own `format.errors` only looks at the message argument, not at fields.
 */
const renderErrors = (withStacks: boolean): winston.Logform.Format =>
  winston.format((info) => {
    const fields = info as Record<string, unknown>;
    for (const [key, value] of Object.entries(fields)) {
      if (!(value instanceof Error)) continue;
      fields[key] = causeChain(value).join('; caused by: ');
      if (withStacks) fields[`${key}Stack`] = stacks(value);
    }
    return info;
  })();

function stacks(error: Error): string {
  const parts: string[] = [];
  for (let current: unknown = error; current instanceof Error && parts.length < 10; current = current.cause) parts.push(current.stack ?? current.message);
  return parts.join('\ncaused by: ');
}

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
    format: winston.format.combine(
      winston.format.timestamp(),
      renderErrors(options.level === 'debug'),
      replaceSecrets(),
      options.format === 'json' ? winston.format.json() : text,
      redactLine(),
    ),
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
