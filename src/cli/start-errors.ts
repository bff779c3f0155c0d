import { causeChain } from '../errors.js';

/**
 * What a failure at start means, in one line for the person who runs ipshift: the setting to
 * change, the value and why. Never a stack trace: that goes to the log at debug level.
 */
export interface ListenSettings {
  /** The env names of this command's port and bind address, e.g. IPSHIFT_PORT / IPSHIFT_BIND. */
  readonly port: string;
  readonly bind: string;
}

export function describeStartError(error: unknown, settings: ListenSettings): string {
  const e = error as NodeJS.ErrnoException & { port?: number; address?: string };
  const where = `${settings.port}=${e.port ?? '?'} (${settings.bind}=${e.address ?? '?'})`;
  switch (e.code) {
    case 'EADDRINUSE':
      return `${where}: the port is already in use by another process; stop it or set ${settings.port} to a free port`;
    case 'EADDRNOTAVAIL':
      return `${settings.bind}=${e.address ?? '?'}: is not an address of this machine; set ${settings.bind} to one of its addresses, or 0.0.0.0`;
    case 'EACCES':
      return `${where}: permission denied; ports below 1024 need privileges, set ${settings.port} to 1024 or above`;
    default:
      return chain(error);
  }
}

/** The message and the messages of its causes, without stacks. */
const chain = (error: unknown): string => causeChain(error).join(': caused by: ');
