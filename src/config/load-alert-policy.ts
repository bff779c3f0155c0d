import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { parseAlertPolicy, type AlertPolicy } from '../core/alert-policy.js';

export const DEFAULT_ALERT_POLICY_PATH = fileURLToPath(new URL('./default-alert-policy.yaml', import.meta.url));

/** Reads and validates an alert policy file; throws one error listing every problem. */
export function loadAlertPolicy(path: string = DEFAULT_ALERT_POLICY_PATH): AlertPolicy {
  let document: unknown;
  try {
    document = parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`alert policy ${path}: cannot read or parse YAML: ${(error as Error).message}`);
  }
  const result = parseAlertPolicy(document);
  if (!result.ok) throw new Error(`alert policy ${path} is invalid:\n  - ${result.errors.join('\n  - ')}`);
  return result.policy;
}
