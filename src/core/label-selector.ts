import type { LabelSelector } from './model.js';

/**
 * Kubernetes LabelSelector semantics: all matchLabels and all matchExpressions must hold;
 * an empty or absent selector selects everything.
 */
export function matchesSelector(labels: Readonly<Record<string, string>>, selector: LabelSelector | undefined): boolean {
  if (selector === undefined) return true;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const requirement of selector.matchExpressions ?? []) {
    const value = labels[requirement.key];
    const values = requirement.values ?? [];
    switch (requirement.operator) {
      case 'In':
        if (value === undefined || !values.includes(value)) return false;
        break;
      case 'NotIn':
        if (value !== undefined && values.includes(value)) return false;
        break;
      case 'Exists':
        if (value === undefined) return false;
        break;
      case 'DoesNotExist':
        if (value !== undefined) return false;
        break;
    }
  }
  return true;
}

/** A canonical string for a selector, so a pass can evaluate each distinct selector once. */
export function selectorKey(selector: LabelSelector | undefined): string {
  if (selector === undefined) return '';
  const labels = Object.entries(selector.matchLabels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const expressions = (selector.matchExpressions ?? []).map((e) => [e.key, e.operator, [...(e.values ?? [])].sort()]);
  return JSON.stringify([labels, expressions]);
}
