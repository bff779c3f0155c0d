import { loadAlertPolicy } from '../../src/config/load-alert-policy.js';
import { alertNode, buildNodeIndex } from '../../src/core/alert-mapping.js';
import { classifyAlert } from '../../src/core/alert-policy.js';
import { alertRules, readYaml } from './monitoring-sources.js';

/**
 * The alerts the promtool tests expect node-signals.rules.yaml to raise, labels and all, go
 * through ipshift's default alert policy: each must map to the right node with its class.
 * The cluster is the one rules/node-signals.rules.test.yaml describes.
 */
const policy = loadAlertPolicy();
const nodes = buildNodeIndex([
  { name: 'node-a', addresses: ['10.0.0.1'] },
  { name: 'node-b', addresses: ['10.0.0.2'] },
]);
const holder = { node: 'node-b', since: null, previous: null };
const holders = new Map([
  ['default/web', holder],
  ['198.51.100.10', holder],
]);

const EXPECTED_NODE: Readonly<Record<string, string>> = {
  IpshiftNodeNotReady: 'node-a',
  IpshiftNodeExporterDown: 'node-b',
  IpshiftFailoverIPProbeFailed: 'node-b',
  IpshiftNodeUplinkDown: 'node-b',
  IpshiftFailoverAddressMissing: 'node-b',
};

interface TestFile {
  tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts: Array<{ exp_labels?: Record<string, string> }> }> }>;
}

const signals = alertRules().filter((rule) => rule.file === 'rules/node-signals.rules.yaml');
const fired = readYaml<TestFile>('rules/node-signals.rules.test.yaml').tests.flatMap((test) =>
  (test.alert_rule_test ?? []).flatMap((c) =>
    c.exp_alerts.map((alert) => ({ alertname: c.alertname, labels: { alertname: c.alertname, ...alert.exp_labels } })),
  ),
);

describe('node signals under the default alert policy', () => {
  it('covers every node-signal alert', () => {
    expect(signals.map((rule) => rule.alert).sort()).toEqual(Object.keys(EXPECTED_NODE).sort());
    expect(new Set(fired.map((alert) => alert.alertname))).toEqual(new Set(Object.keys(EXPECTED_NODE)));
  });

  it.each(fired.map((alert) => [alert.alertname, alert] as const))('%s maps to its node and class', (alertname, alert) => {
    const rule = signals.find((r) => r.alert === alertname);
    expect(rule?.labels['ipshift_class']).toMatch(/^(down|drain|degraded)$/);
    expect(classifyAlert(alert.labels, policy)).toBe(rule?.labels['ipshift_class']);
    expect(alertNode(alert.labels, nodes, policy, holders)).toBe(EXPECTED_NODE[alertname]);
  });

  it('a probe alert of a FailoverIP nobody holds names no node', () => {
    expect(alertNode({ alertname: 'IpshiftFailoverIPProbeFailed', failover_ip: 'default/other', ipshift_class: 'down' }, nodes, policy, holders)).toBeNull();
  });

  it('a kube-state-metrics instance label never names the node', () => {
    const labels = { alertname: 'IpshiftNodeNotReady', job: 'kube-state-metrics', instance: '10.0.0.2:8080', ipshift_class: 'down' };
    expect(alertNode(labels, nodes, policy, holders)).toBeNull();
  });
});
