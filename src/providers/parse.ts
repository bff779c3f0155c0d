import type { z } from 'zod';
import { transientError } from '../errors.js';

/**
 * Validates a provider answer at the boundary. A shape we do not understand is treated as
 * transient (a proxy's error page, a half-deployed API) so the retry budget, not a crash,
 * decides; the message says where, not what the body held.
 */
export function parseAnswer<S extends z.ZodType>(schema: S, body: unknown, where: string): z.infer<S> {
  const result = schema.safeParse(body);
  if (!result.success) {
    const paths = result.error.issues.slice(0, 3).map((issue) => issue.path.join('.') || '(root)');
    throw transientError(`${where}: unexpected answer (fields: ${paths.join(', ')})`, 'invalid-response');
  }
  return result.data;
}
