import type { LogFields, Logger } from '../../src/ports/logger.js';

export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: LogFields;
}

/** A Logger that keeps every line it is given, its children's too, in `lines`. */
export function recordingLogger(lines: LogLine[]): Logger {
  const at =
    (level: LogLine['level']) =>
    (message: string, fields: LogFields = {}): void => {
      lines.push({ level, message, fields });
    };
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger;
}

/** A line as one string to search: the message, then its fields as JSON with each Error as `Name: message`. */
export const lineText = (line: LogLine): string =>
  `${line.message} ${JSON.stringify(line.fields, (_key, value: unknown) => (value instanceof Error ? `${value.name}: ${value.message}` : value))}`;
