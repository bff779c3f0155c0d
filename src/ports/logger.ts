/**
 * Structured fields on every line: use the same keys everywhere (failoverIP, node, reason, outcome, provider).
 * A failure travels as the thrown value itself under `err` (`{ err: error }`), never as a pre-cut
 * message: the logger renders its message and cause chain at every level, its stack only at debug.
 */
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
