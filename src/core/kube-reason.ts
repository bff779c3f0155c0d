import type { DnsReason, Outcome, Reason, ServiceReason } from './reasons.js';

/**
 * The one mapping from the reason and outcome codes of reasons.ts to the CamelCase form
 * Kubernetes tools expect in Condition and Event reasons (`holder-down` → `HolderDown`).
 * Logs, metrics and status.lastDecision keep the codes; Conditions and Events carry this form,
 * so `kubectl get events --field-selector reason=HolderDown` finds what the metric counts.
 */
export function kubeReason(code: Reason | Outcome | ServiceReason | DnsReason): string {
  return code
    .split('-')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}
