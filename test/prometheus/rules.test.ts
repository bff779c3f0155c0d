import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { REPO_ROOT, RULE_FILES } from '../../scripts/build-monitoring.js';
import { alertRules, readYaml } from './monitoring-sources.js';

const run = promisify(execFile);
const RULES_DIR = join(REPO_ROOT, 'rules');
const TEST_FILES = readdirSync(RULES_DIR)
  .filter((name) => name.endsWith('.test.yaml'))
  .sort();
const RUNBOOK_PREFIX = 'https://github.com/ipshift/ipshift/blob/main/docs/observability.md#';

interface PromtoolTestFile {
  rule_files: string[];
  tests: Array<{ name?: string; alert_rule_test?: Array<{ alertname: string; eval_time: string; exp_alerts: unknown[] }> }>;
}

async function promtool(args: string[], cwd = REPO_ROOT): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run('promtool', args, { cwd, timeout: 60_000 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failure.code === 'number' ? failure.code : 1, output: `${failure.stdout ?? ''}${failure.stderr ?? ''}` };
  }
}

describe('Prometheus rules', () => {
  const alerts = alertRules();

  it('promtool check rules accepts every rule file', async () => {
    const result = await promtool(['check', 'rules', ...RULE_FILES]);
    expect(result.output).not.toMatch(/FAILED/);
    expect(result.code).toBe(0);
  });

  it('promtool check rules accepts the spec of every generated PrometheusRule', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipshift-promrule-'));
    try {
      const files = RULE_FILES.map((source) => {
        const manifest = `deploy/monitoring/prometheusrule-${source.replace(/^rules\//, '').replace(/\.rules\.yaml$/, '')}.yaml`;
        const spec = readYaml<{ kind: string; spec: unknown }>(manifest);
        expect(spec.kind).toBe('PrometheusRule');
        const path = join(dir, manifest.split('/').pop() ?? 'rules.yaml');
        writeFileSync(path, stringify(spec.spec));
        return path;
      });
      const result = await promtool(['check', 'rules', ...files]);
      expect(result.code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('promtool test rules passes every unit test file', async () => {
    expect(TEST_FILES.length).toBeGreaterThanOrEqual(2);
    const result = await promtool(['test', 'rules', ...TEST_FILES], RULES_DIR);
    expect(result.output).not.toMatch(/FAILED/);
    expect(result.code).toBe(0);
  });

  it('a wrong expectation makes promtool test rules fail', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipshift-promtool-'));
    try {
      writeFileSync(join(dir, 'rules.yaml'), readFileSync(join(RULES_DIR, 'node-signals.rules.yaml')));
      const broken = {
        rule_files: ['rules.yaml'],
        evaluation_interval: '5s',
        tests: [
          {
            interval: '5s',
            input_series: [{ series: 'up{job="node-exporter", instance="10.0.0.2:9100"}', values: '1x20' }],
            alert_rule_test: [{ eval_time: '60s', alertname: 'IpshiftNodeExporterDown', exp_alerts: [{ exp_labels: { severity: 'none' } }] }],
          },
        ],
      };
      writeFileSync(join(dir, 'broken.test.yaml'), stringify(broken));
      const result = await promtool(['test', 'rules', 'broken.test.yaml'], dir);
      expect(result.code).not.toBe(0);
      expect(result.output).toMatch(/FAILED/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('every alert is unit-tested both firing and silent', () => {
    const cases = TEST_FILES.flatMap((file) => readYaml<PromtoolTestFile>(`rules/${file}`).tests.flatMap((test) => test.alert_rule_test ?? []));
    const untested = alerts
      .map((rule) => rule.alert)
      .filter((alert) => {
        const mine = cases.filter((c) => c.alertname === alert);
        return !mine.some((c) => c.exp_alerts.length > 0) || !mine.some((c) => c.exp_alerts.length === 0);
      });
    expect(untested).toEqual([]);
  });

  it.each(alertRules().map((rule) => [rule.alert, rule] as const))('%s has severity, summary, description and a runbook', (_, rule) => {
    expect(['critical', 'warning', 'info', 'none']).toContain(rule.labels['severity']);
    expect(rule.annotations['summary']).toEqual(expect.any(String));
    expect(rule.annotations['description']).toEqual(expect.any(String));
    expect(rule.annotations['runbook_url']).toBe(`${RUNBOOK_PREFIX}${rule.alert.toLowerCase()}`);
  });

  it('every runbook_url points at a heading in docs/observability.md', () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs/observability.md'), 'utf8');
    // GitHub's anchor for a heading: lower case, spaces to dashes, punctuation dropped.
    const anchors = new Set(
      [...doc.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) =>
        (m[1] ?? '')
          .trim()
          .toLowerCase()
          .replace(/[^a-z0-9 _-]/g, '')
          .replace(/ /g, '-'),
      ),
    );
    const missing = alerts.map((rule) => (rule.annotations['runbook_url'] ?? '').slice(RUNBOOK_PREFIX.length)).filter((anchor) => !anchors.has(anchor));
    expect(missing).toEqual([]);
  });

  it('alert names are unique', () => {
    const names = alerts.map((rule) => rule.alert);
    expect(new Set(names).size).toBe(names.length);
  });
});
