/**
 * Writes every generated monitoring file from its one source:
 *   scripts/ipshift-dashboard.ts → dashboards/ipshift.json → deploy/monitoring/dashboard-configmap.yaml
 *   rules/<name>.rules.yaml      → deploy/monitoring/prometheusrule-<name>.yaml
 * Run `npx tsx scripts/build-monitoring.ts` after editing a source; a test fails while the
 * committed files differ from what this renders.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { REPO_ROOT, writeWhenRun } from './generated-files.js';
import { ipshiftDashboard } from './ipshift-dashboard.js';

export { REPO_ROOT } from './generated-files.js';

/** The rule files that become PrometheusRule objects (the test files are not rules). */
export const RULE_FILES = ['rules/ipshift.rules.yaml', 'rules/node-signals.rules.yaml'] as const;

const COMMON_LABELS = { 'app.kubernetes.io/name': 'ipshift', 'app.kubernetes.io/part-of': 'ipshift' };
// The labels a Prometheus selects rules by (`release: ...`) are set in one place for every
// monitoring object: deploy/components/kube-prometheus-stack.

const header = (source: string): string => `# Generated from ${source} by scripts/build-monitoring.ts. Do not edit: edit the source and rerun it.\n`;

function prometheusRule(source: string): string {
  const groups = (parse(readFileSync(join(REPO_ROOT, source), 'utf8')) as { groups: unknown[] }).groups;
  const base = source.replace(/^rules\//, '').replace(/\.rules\.yaml$/, '');
  const name = base === 'ipshift' ? 'ipshift' : `ipshift-${base}`;
  const manifest = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name, labels: COMMON_LABELS },
    spec: { groups },
  };
  return header(source) + stringify(manifest, { lineWidth: 0 });
}

function dashboardConfigMap(json: string): string {
  const manifest = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'ipshift-dashboard',
      // The Grafana sidecar (kube-prometheus-stack, grafana chart) loads ConfigMaps with this label.
      labels: { ...COMMON_LABELS, grafana_dashboard: '1' },
      annotations: { grafana_folder: 'ipshift' },
    },
    data: { 'ipshift.json': json },
  };
  return header('dashboards/ipshift.json') + stringify(manifest, { lineWidth: 0 });
}

/** Path relative to the repository root → the content it must have. */
export function renderMonitoringFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const json = `${JSON.stringify(ipshiftDashboard(), null, 2)}\n`;
  files.set('dashboards/ipshift.json', json);
  files.set('deploy/monitoring/dashboard-configmap.yaml', dashboardConfigMap(json));
  for (const source of RULE_FILES) {
    const target = `deploy/monitoring/prometheusrule-${source.replace(/^rules\//, '').replace(/\.rules\.yaml$/, '')}.yaml`;
    files.set(target, prometheusRule(source));
  }
  return files;
}

await writeWhenRun(import.meta.url, renderMonitoringFiles);
