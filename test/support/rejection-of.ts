import { IpshiftError } from '../../src/errors.js';

/** The IpshiftError a call rejects with; fails the test when it resolves or rejects with anything else. */
export async function rejectionOf(promise: Promise<unknown>): Promise<IpshiftError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof IpshiftError) return error;
    throw new Error(`expected an IpshiftError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected the call to reject');
}
