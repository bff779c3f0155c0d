import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { REPO_ROOT, RULE_FILES } from '../../scripts/build-monitoring.js';
import { createAgentMetrics } from '../../src/metrics/agent-metrics.js';
import type { Sandbox } from '../../src/sandbox/start-sandbox.js';
import { startTestSandbox } from '../support/sandbox.js';
import { alertRules, committedDashboard, dashboardQueries, substituteGrafanaVariables } from './monitoring-sources.js';
import { startPrometheus, type RunningPrometheus } from './prometheus-harness.js';
import { listenOnLoopback } from '../support/listen.js';

/**
 * A real Prometheus scrapes the running sandbox (`npm start`'s in-process cluster and netcup
 * emulator), an agent's metrics and a stand-in for kube-state-metrics and blackbox probes, with
 * the rule files loaded. Then every dashboard and rule expression must run without error.
 */

const EXPORTERS = [
  '# TYPE kube_node_status_condition gauge',
  'kube_node_status_condition{node="node-1",condition="Ready",status="true"} 1',
  'kube_node_status_condition{node="node-3",condition="Ready",status="true"} 0',
  '# TYPE probe_success gauge',
  'probe_success{failover_ip="default/web"} 1',
  '',
].join('\n');

async function serve(routes: Record<string, () => Promise<string> | string>): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const route = routes[req.url ?? ''];
    if (route === undefined) {
      res.writeHead(404).end();
      return;
    }
    void Promise.resolve(route()).then((body) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(body));
  });
  return { server, url: (await listenOnLoopback(server)).url };
}

type Panel = { type: string; title: string; targets?: Array<{ expr: string }> };

describe('dashboard and rules against a real Prometheus scraping the sandbox', () => {
  let sandbox: Sandbox;
  let prometheus: RunningPrometheus;
  let stub: { server: Server; url: string };

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    const agentRegistry = new Registry();
    const agent = createAgentMetrics(agentRegistry);
    agent.setAddresses([{ failoverIP: 'default/web', address: '198.51.100.10/32', iface: 'eth0', present: true }]);
    agent.syncFinished(Date.now());
    stub = await serve({ '/agent/metrics': () => agentRegistry.metrics(), '/exporters/metrics': () => EXPORTERS });
    prometheus = await startPrometheus({
      targets: [
        { job: 'ipshift', url: `${sandbox.url}/metrics` },
        { job: 'ipshift-agent', url: `${stub.url}/agent/metrics`, labels: { node: 'node-1' } },
        { job: 'kube-state-metrics', url: `${stub.url}/exporters/metrics` },
      ],
      ruleFiles: RULE_FILES.map((file) => join(REPO_ROOT, file)),
    });
    for (const job of ['ipshift', 'ipshift-agent', 'kube-state-metrics']) {
      const up = await prometheus.waitForData(`up{job="${job}"} == 1`, 15_000);
      if ((up.data?.result.length ?? 0) === 0) throw new Error(`Prometheus never scraped ${job}`);
    }
  }, 45_000);

  afterAll(async () => {
    await prometheus?.stop();
    await sandbox?.stop();
    await new Promise((resolve) => stub?.server.close(resolve));
  });

  it('runs every dashboard expression without error', async () => {
    const failures: string[] = [];
    for (const expr of dashboardQueries(committedDashboard())) {
      const result = await prometheus.query(substituteGrafanaVariables(expr));
      if (result.status !== 'success') failures.push(`${expr}: ${result.error ?? 'unknown error'}`);
    }
    expect(failures).toEqual([]);
  });

  it('reports a broken expression as an error, so the checks here can fail', async () => {
    expect((await prometheus.query('sum by (node) (rate(ipshift_moves_total[5m])')).status).toBe('error');
    // A runtime error, not a syntax error: many series on each side of a one-to-one match.
    expect((await prometheus.query('ipshift_moves_total / on () ipshift_failover_ip_nodes')).status).toBe('error');
  });

  it('runs every rule expression without error', async () => {
    const failures: string[] = [];
    for (const rule of alertRules()) {
      const result = await prometheus.query(rule.expr);
      if (result.status !== 'success') failures.push(`${rule.alert}: ${result.error ?? 'unknown error'}`);
    }
    expect(failures).toEqual([]);
  });

  it('returns data for every overview panel', async () => {
    const panels = committedDashboard()['panels'] as Panel[];
    const start = panels.findIndex((p) => p.type === 'row' && p.title === 'Overview');
    const end = panels.findIndex((p, i) => i > start && p.type === 'row');
    const overview = panels.slice(start + 1, end);
    expect(overview.length).toBeGreaterThanOrEqual(5);
    const empty: string[] = [];
    for (const panel of overview) {
      for (const target of panel.targets ?? []) {
        const result = await prometheus.waitForData(substituteGrafanaVariables(target.expr), 5000);
        if ((result.data?.result.length ?? 0) === 0) empty.push(`${panel.title}: ${target.expr}`);
      }
    }
    expect(empty).toEqual([]);
  });

  it('loads every rule and evaluates it without error', async () => {
    type Rules = { data: { groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string; lastEvaluation: string }> }> } };
    const expected = alertRules().length;
    let rules: Rules['data']['groups'][number]['rules'] = [];
    const deadline = Date.now() + 12_000;
    do {
      rules = (await prometheus.api<Rules>('/api/v1/rules')).data.groups.flatMap((g) => g.rules);
      if (rules.length === expected && rules.every((r) => !r.lastEvaluation.startsWith('0001-'))) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    } while (Date.now() < deadline);
    expect(rules.map((r) => r.name).sort()).toEqual(
      alertRules()
        .map((r) => r.alert)
        .sort(),
    );
    expect(rules.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.lastError ?? r.health}`)).toEqual([]);
  });

  it('raises the node-signal alert for a node that is not Ready', async () => {
    type Alerts = { data: { alerts: Array<{ labels: Record<string, string>; state: string }> } };
    let notReady: Alerts['data']['alerts'] = [];
    const deadline = Date.now() + 12_000;
    while (notReady.length === 0 && Date.now() < deadline) {
      notReady = (await prometheus.api<Alerts>('/api/v1/alerts')).data.alerts.filter((a) => a.labels['alertname'] === 'IpshiftNodeNotReady');
      if (notReady.length === 0) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(notReady.map((a) => a.labels['node'])).toEqual(['node-3']);
    expect(notReady[0]?.labels['ipshift_class']).toBe('down');
  });

  it('shows a move on the dashboard queries when the holder fails', async () => {
    const holder = await prometheus.waitForData('ipshift_failover_ip_assigned{failover_ip="default/web"}', 5000);
    const before = holder.data?.result[0]?.metric['node'];
    expect(before).toEqual(expect.stringMatching(/^node-\d$/));
    const response = await fetch(`${sandbox.url}/sandbox/nodes/${before}/ready?status=False`, { method: 'POST' });
    expect(response.status).toBe(200);

    const moved = await prometheus.waitForData(`ipshift_failover_ip_assigned{failover_ip="default/web", node!="${before}"}`, 15_000);
    expect(moved.data?.result.length).toBe(1);
    const issue = await prometheus.waitForData(`max by (node, issue) (ipshift_node_health_issue{node="${before}"}) == 1`, 5000);
    expect(issue.data?.result.map((r) => r.metric['issue'])).toContain('ready-false');
    const moves = await prometheus.waitForData('sum(ipshift_moves_total{failover_ip="default/web", result="success"}) > 0', 5000);
    expect(moves.data?.result.length).toBe(1);
  });
});
