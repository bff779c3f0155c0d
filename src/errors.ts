/**
 * Errors are data. Every adapter classifies a failure once, at its boundary, into one of
 * three kinds; everything above the adapter only looks at `kind`.
 * - transient: worth retrying with backoff (5xx, timeouts, dropped connections).
 * - terminal: retrying cannot help until someone changes something (auth, not found, validation).
 * - rate-limited: the other side said "not now"; `retryAfterMs` says when.
 * - target-refused: the provider refused this target server for a fact of the target (it holds
 *   another address and the provider allows one per server: DigitalOcean's "node in use"). The
 *   provider did nothing; the same request is never retried, the next candidate may be tried.
 * Messages must never contain a secret: adapters build them from safe parts only.
 */
export type ErrorKind = 'transient' | 'terminal' | 'rate-limited' | 'target-refused';

export interface IpshiftErrorOptions {
  /** A stable machine-readable code, e.g. `auth`, `not-found`, `same-site`, `http-503`. */
  readonly code: string;
  readonly retryAfterMs?: number;
  readonly cause?: unknown;
}

export class IpshiftError extends Error {
  readonly kind: ErrorKind;
  readonly code: string;
  readonly retryAfterMs: number | undefined;

  constructor(kind: ErrorKind, message: string, options: IpshiftErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'IpshiftError';
    this.kind = kind;
    this.code = options.code;
    this.retryAfterMs = options.retryAfterMs;
  }
}

export const transientError = (message: string, code: string, cause?: unknown): IpshiftError => new IpshiftError('transient', message, { code, cause });

export const terminalError = (message: string, code: string, cause?: unknown): IpshiftError => new IpshiftError('terminal', message, { code, cause });

export const targetRefusedError = (message: string, code: string, cause?: unknown): IpshiftError =>
  new IpshiftError('target-refused', message, { code, cause });

export const rateLimitedError = (message: string, retryAfterMs: number, code = 'rate-limited'): IpshiftError =>
  new IpshiftError('rate-limited', message, { code, retryAfterMs });

/** The message of anything thrown: the one narrowing for `catch (error: unknown)`, instead of `as Error`. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The messages of an error and of every cause behind it, outermost first; bounded, so a cycle cannot loop. */
export function causeChain(error: unknown): string[] {
  const chain: string[] = [];
  for (let current: unknown = error, depth = 0; current !== undefined && depth < 10; depth++) {
    chain.push(errorMessage(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return chain;
}

/** Anything that is not already classified is treated as transient: the safe default for a retry loop. */
export function classify(error: unknown): IpshiftError {
  if (error instanceof IpshiftError) return error;
  return transientError(errorMessage(error), 'unclassified', error);
}

/** The caller gave up (its signal aborted): transient, the next run may try again. */
export function abortedError(where: string): IpshiftError {
  return transientError(`${where}: cancelled`, 'aborted');
}
