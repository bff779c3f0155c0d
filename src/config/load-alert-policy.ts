import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { parseAlertPolicy, type AlertPolicy, type PolicyResult } from '../core/alert-policy.js';
import { errorMessage } from '../errors.js';

export const DEFAULT_ALERT_POLICY_PATH = fileURLToPath(new URL('./default-alert-policy.yaml', import.meta.url));

/** Reads and validates an alert policy file; every problem (read, YAML, schema, regex) in the result. */
export function readAlertPolicy(path: string): PolicyResult {
  let document: unknown;
  try {
    document = parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === undefined ? `is not valid YAML (${errorMessage(error).split('\n')[0] ?? ''})` : `cannot be read (${code})`;
    return { ok: false, errors: [why] };
  }
  return parseAlertPolicy(document);
}

/** Reads and validates an alert policy file; throws one error listing every problem. */
export function loadAlertPolicy(path: string = DEFAULT_ALERT_POLICY_PATH): AlertPolicy {
  const result = readAlertPolicy(path);
  if (!result.ok) throw new Error(`alert policy ${path} is invalid:\n  - ${result.errors.join('\n  - ')}`);
  return result.policy;
}
