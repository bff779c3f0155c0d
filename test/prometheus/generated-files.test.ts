import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT, renderMonitoringFiles } from '../../scripts/build-monitoring.js';
import { DASHBOARD_UID, SCHEMA_VERSION } from '../../scripts/ipshift-dashboard.js';
import { METRICS_REFERENCE_PATH, renderMetricsReference } from '../../scripts/metrics-reference.js';
import { committedDashboard, readYaml } from './monitoring-sources.js';

const run = promisify(execFile);
const read = (path: string): string => readFileSync(join(REPO_ROOT, path), 'utf8');

describe('generated files are up to date (rerun the script named in the failure)', () => {
  it.each([...renderMonitoringFiles()].map(([path, content]) => [path, content] as const))('%s (npx tsx scripts/build-monitoring.ts)', (path, content) => {
    expect(read(path)).toBe(content);
  });

  it(`${METRICS_REFERENCE_PATH} (npx tsx scripts/metrics-reference.ts)`, async () => {
    expect(read(METRICS_REFERENCE_PATH)).toBe(await renderMetricsReference());
  });
});

type Panel = {
  id: number;
  type: string;
  title: string;
  description?: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { uid: string };
  targets?: Array<{ refId: string; expr: string; datasource: { uid: string } }>;
};

describe('dashboards/ipshift.json', () => {
  const dashboard = committedDashboard();
  const panels = dashboard['panels'] as Panel[];

  it('imports as is: stable uid, schemaVersion, no instance id, datasource and cluster variables', () => {
    expect(dashboard['uid']).toBe(DASHBOARD_UID);
    expect(dashboard['schemaVersion']).toBe(SCHEMA_VERSION);
    expect(dashboard['id']).toBeUndefined();
    const variables = (dashboard['templating'] as { list: Array<{ name: string; type: string }> }).list;
    expect(variables.find((v) => v.name === 'datasource')?.type).toBe('datasource');
    expect(variables.find((v) => v.name === 'cluster')?.type).toBe('query');
  });

  it('has unique panel ids, a description on every panel, and every query on the datasource variable', () => {
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of panels.filter((p) => p.type !== 'row')) {
      expect([panel.title, panel.description]).toEqual([panel.title, expect.stringMatching(/\S/)]);
      expect(panel.datasource?.uid).toBe('${datasource}');
      expect(panel.targets?.length).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) {
        expect(target.datasource.uid).toBe('${datasource}');
        expect(target.expr).toContain('cluster=~"$cluster"');
      }
      expect(new Set(panel.targets?.map((t) => t.refId)).size).toBe(panel.targets?.length);
    }
  });

  it('lays panels out on the 24-column grid without overlaps', () => {
    const cells = new Set<string>();
    for (const { gridPos: g, title } of panels) {
      expect(g.x + g.w).toBeLessThanOrEqual(24);
      for (let x = g.x; x < g.x + g.w; x += 1) {
        for (let y = g.y; y < g.y + g.h; y += 1) {
          const cell = `${x},${y}`;
          if (cells.has(cell)) throw new Error(`panel "${title}" overlaps another at ${cell}`);
          cells.add(cell);
        }
      }
    }
  });

  it('has the panels issue 7 asks for', () => {
    const titles = panels.map((p) => p.title);
    for (const wanted of [
      'Leader',
      'FailoverIPs routed',
      'Holders healthy',
      'Which node holds each FailoverIP',
      'Node health',
      'Decisions by outcome and reason',
      'Moves by reason and result',
      'Cooldown left',
      'Requests by provider and operation',
      'Failed requests by code',
      'Request latency',
      'Webhook requests by code',
      'Webhook latency',
      'Active alerts by class',
      'Reconciles by result',
      'Reconcile duration',
      'Staleness',
      'Token refresh age',
    ]) {
      expect(titles).toContain(wanted);
    }
    expect(panels.find((p) => p.title === 'Which node holds each FailoverIP')?.type).toBe('state-timeline');
  });

  it('ships in a ConfigMap the Grafana sidecar picks up', () => {
    const configMap = readYaml<{ metadata: { labels: Record<string, string> }; data: Record<string, string> }>('deploy/monitoring/dashboard-configmap.yaml');
    expect(configMap.metadata.labels['grafana_dashboard']).toBe('1');
    expect(JSON.parse(configMap.data['ipshift.json'] ?? '')).toEqual(dashboard);
  });
});

describe('deploy/monitoring', () => {
  const kustomization = readYaml<{ namespace: string; resources: string[] }>('deploy/monitoring/kustomization.yaml');

  it('lists existing files only', () => {
    for (const resource of kustomization.resources) expect(existsSync(join(REPO_ROOT, 'deploy/monitoring', resource))).toBe(true);
  });

  it('renders with kubectl kustomize into named objects in one namespace', async () => {
    const { stdout } = await run('kubectl', ['kustomize', 'deploy/monitoring'], { cwd: REPO_ROOT, timeout: 30_000 });
    const objects = parseAllDocuments(stdout).map(
      (doc) => doc.toJS() as { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } },
    );
    expect(objects.map((o) => o.kind).sort()).toEqual(['AlertmanagerConfig', 'ConfigMap', 'PodMonitor', 'PrometheusRule', 'PrometheusRule']);
    for (const object of objects) {
      expect(object.apiVersion).toEqual(expect.any(String));
      expect(object.metadata?.name).toEqual(expect.any(String));
      expect(object.metadata?.namespace).toBe(kustomization.namespace);
    }
  });
});
