/**
 * Reads the monitoring sources (rule files, the dashboard) and pulls the PromQL out of them,
 * for the tests that check them against the registries and a real Prometheus.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT, RULE_FILES } from '../../scripts/build-monitoring.js';
import { dashboardExpressions } from '../../scripts/ipshift-dashboard.js';

export interface AlertRule {
  readonly file: string;
  readonly group: string;
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

interface RuleFile {
  groups: Array<{
    name: string;
    interval?: string;
    rules: Array<{ alert?: string; record?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }>;
  }>;
}

export function readYaml<T>(relativePath: string): T {
  return parse(readFileSync(join(REPO_ROOT, relativePath), 'utf8')) as T;
}

export function alertRules(): AlertRule[] {
  return RULE_FILES.flatMap((file) =>
    readYaml<RuleFile>(file).groups.flatMap((group) =>
      group.rules
        .filter((rule) => rule.alert !== undefined)
        .map((rule) => ({
          file,
          group: group.name,
          alert: rule.alert ?? '',
          expr: rule.expr,
          ...(rule.for === undefined ? {} : { for: rule.for }),
          labels: rule.labels ?? {},
          annotations: rule.annotations ?? {},
        })),
    ),
  );
}

export function committedDashboard(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(REPO_ROOT, 'dashboards/ipshift.json'), 'utf8')) as Record<string, unknown>;
}

/** Query variables are written `label_values(<selector>, <label>)`: the selector is the PromQL. */
export function dashboardQueries(dashboard: Record<string, unknown>): string[] {
  const templating = (dashboard['templating'] as { list: Array<{ type: string; definition?: string }> }).list;
  const variables = templating
    .filter((variable) => variable.type === 'query' && variable.definition !== undefined)
    .map((variable) => {
      const match = /^label_values\((.+),\s*\w+\)$/.exec(variable.definition ?? '');
      if (match?.[1] === undefined) throw new Error(`unsupported variable query: ${variable.definition}`);
      return match[1];
    });
  return [...dashboardExpressions(dashboard), ...variables];
}

/** Grafana's template variables, replaced as Grafana would with the `All` values. */
export function substituteGrafanaVariables(expr: string): string {
  return expr
    .replace(/\$__rate_interval|\$\{__rate_interval\}/g, '1m')
    .replace(/\$__interval|\$\{__interval\}/g, '15s')
    .replace(/\$__range|\$\{__range\}/g, '1h')
    .replace(/\$\{?(cluster|failover_ip)\}?/g, '.*');
}

/** Metric names a PromQL expression reads that start with `prefix`, with histogram suffixes kept. */
export function referencedNames(expr: string, prefix = 'ipshift_'): string[] {
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  return [...new Set(withoutStrings.match(new RegExp(`\\b${prefix}[a-zA-Z0-9_]*`, 'g')) ?? [])];
}

/** Every label name an expression uses: in matchers and in by/without/on/ignoring/group_left/group_right. */
export function referencedLabels(expr: string): string[] {
  const labels = new Set<string>();
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  for (const selector of withoutStrings.matchAll(/\{([^}]*)\}/g)) {
    for (const matcher of (selector[1] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)) labels.add(matcher[1] ?? '');
  }
  for (const clause of withoutStrings.matchAll(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g)) {
    for (const label of (clause[1] ?? '').split(',')) if (label.trim() !== '') labels.add(label.trim());
  }
  return [...labels];
}
