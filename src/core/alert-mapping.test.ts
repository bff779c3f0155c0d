import { alertNode, buildNodeIndex, holderMap, stripPort } from './alert-mapping.js';
import { classifyAlert, parseAlertPolicy, type AlertPolicy } from './alert-policy.js';
import { loadAlertPolicy } from '../config/load-alert-policy.js';

const index = buildNodeIndex([
  { name: 'node-1', addresses: ['10.0.0.1', '2001:db8::1'] },
  { name: 'node-2', addresses: ['10.0.0.2'] },
  { name: 'Worker-3', addresses: [] },
]);
const policy = loadAlertPolicy();
const NOW = Date.parse('2026-11-23T12:00:00Z');
const web = { node: 'node-2', since: NOW - 60_000, previous: 'node-1' };
const holders = new Map([
  ['default/web', web],
  ['web', web],
  ['198.51.100.7', web],
]);

describe('stripPort', () => {
  it.each([
    ['node-1:9100', 'node-1'],
    ['10.0.0.1:9100', '10.0.0.1'],
    ['[::1]:9100', '::1'],
    ['[2001:db8::1]:9100', '2001:db8::1'],
    ['[2001:db8::1]', '2001:db8::1'],
    ['2001:db8::1', '2001:db8::1'],
    ['node-1', 'node-1'],
  ])('%s → %s', (input, expected) => expect(stripPort(input)).toBe(expected));
});

describe('alertNode', () => {
  it.each<{ desc: string; labels: Record<string, string>; node: string | null }>([
    { desc: 'label node', labels: { node: 'node-1' }, node: 'node-1' },
    { desc: 'label node wins over instance', labels: { node: 'node-1', instance: 'node-2:9100' }, node: 'node-1' },
    { desc: 'unknown node label falls back to instance', labels: { node: 'gone', instance: 'node-2:9100' }, node: 'node-2' },
    { desc: 'instance hostname with port', labels: { instance: 'node-2:9100' }, node: 'node-2' },
    { desc: 'instance address with port', labels: { instance: '10.0.0.1:9100' }, node: 'node-1' },
    { desc: 'instance IPv6 with brackets and port', labels: { instance: '[2001:db8::1]:9100' }, node: 'node-1' },
    { desc: 'instance IPv6 in another spelling', labels: { instance: '[2001:DB8:0:0::1]:9100' }, node: 'node-1' },
    { desc: 'instance [::1]:9100 names no node of ours', labels: { instance: '[::1]:9100' }, node: null },
    { desc: 'instance FQDN matches by its first label', labels: { instance: 'node-1.example.com:9100' }, node: 'node-1' },
    { desc: 'names match case-insensitively', labels: { node: 'worker-3' }, node: 'Worker-3' },
    { desc: 'kube-state-metrics instance is never the node', labels: { instance: 'node-1:8080', job: 'kube-state-metrics' }, node: null },
    {
      desc: 'kube-state-metrics with a node label still maps',
      labels: { instance: '10.9.9.9:8080', job: 'kube-state-metrics', node: 'node-2' },
      node: 'node-2',
    },
    { desc: 'policy nodeLabels', labels: { kubernetes_node: 'node-2' }, node: 'node-2' },
    { desc: 'failover_ip label maps to the holder by name', labels: { failover_ip: 'default/web' }, node: 'node-2' },
    { desc: 'failover_ip label maps to the holder by address with /32', labels: { failover_ip: '198.51.100.7/32' }, node: 'node-2' },
    { desc: 'nothing to go by', labels: { alertname: 'X' }, node: null },
  ])('$desc', ({ labels, node }) => {
    expect(alertNode(labels, index, policy, holders)).toBe(node);
  });

  it.each([
    { desc: 'a probe alert that started after the move is about the new holder', startsAt: NOW - 10_000, node: 'node-2' },
    { desc: 'a probe alert that started before the move is about the node the IP left', startsAt: NOW - 120_000, node: 'node-1' },
  ])('$desc', ({ startsAt, node }) => {
    expect(alertNode({ failover_ip: 'default/web' }, index, policy, holders, startsAt)).toBe(node);
  });

  it('an old probe alert with no known previous holder blames nobody', () => {
    const fresh = new Map([['default/web', { node: 'node-2', since: NOW, previous: null }]]);
    expect(alertNode({ failover_ip: 'default/web' }, index, policy, fresh, NOW - 1)).toBeNull();
  });
});

describe('default alert policy', () => {
  it.each<{ desc: string; labels: Record<string, string>; cls: string }>([
    { desc: 'KubeNodeNotReady is down', labels: { alertname: 'KubeNodeNotReady', severity: 'warning' }, cls: 'down' },
    { desc: 'KubeNodeUnreachable is down', labels: { alertname: 'KubeNodeUnreachable', severity: 'warning' }, cls: 'down' },
    { desc: 'critical is down', labels: { alertname: 'NodeFilesystemAlmostOutOfSpace', severity: 'critical' }, cls: 'down' },
    { desc: 'a node-exporter warning is degraded', labels: { alertname: 'NodeMemoryHighUtilization', severity: 'warning' }, cls: 'degraded' },
    { desc: 'a node-exporter info is info', labels: { alertname: 'NodeCPUHighUsage', severity: 'info' }, cls: 'info' },
    { desc: "a tenant's critical alert is ignored", labels: { alertname: 'CheckoutDown', severity: 'critical', instance: '10.0.0.1:8080' }, cls: 'ignore' },
    { desc: "a tenant's warning is ignored", labels: { alertname: 'NodeHighLoad', severity: 'warning' }, cls: 'ignore' },
    { desc: "ipshift_class on a tenant's alert is ignored", labels: { alertname: 'CheckoutDown', ipshift_class: 'down' }, cls: 'ignore' },
    { desc: 'Watchdog is ignored even at severity none', labels: { alertname: 'Watchdog', severity: 'critical' }, cls: 'ignore' },
    { desc: 'ipshift_class label wins', labels: { alertname: 'IpshiftNodeCordonSoon', ipshift_class: 'drain', severity: 'critical' }, cls: 'drain' },
    { desc: 'no severity, no rule: ignored', labels: { alertname: 'Other' }, cls: 'ignore' },
  ])('$desc', ({ labels, cls }) => expect(classifyAlert(labels, policy)).toBe(cls));
});

describe('parseAlertPolicy', () => {
  it('reports every problem with its path', () => {
    const result = parseAlertPolicy({
      rules: [{ match: { alertname: 'X' }, class: 'nope' }, { class: 'down' }, { matchRegex: { alertname: '(' }, class: 'down' }],
      extra: 1,
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = result.errors.join('\n');
    expect(text).toMatch(/rules\.0\.class/);
    expect(text).toMatch(/rules\.1.*at least one label/);
    expect(text).toMatch(/extra|Unrecognized/);
  });

  it('reports a bad regex with its path and value', () => {
    const result = parseAlertPolicy({ rules: [{ matchRegex: { alertname: '(' }, class: 'down' }] });
    expect(result).toEqual({ ok: false, errors: [expect.stringMatching(/^rules\.0\.matchRegex\.alertname: "\(" is not a valid regular expression/)] });
  });

  it('reports a bad regex together with the schema errors, not only after they are fixed', () => {
    const result = parseAlertPolicy({ rules: [{ matchRegex: { alertname: '(' }, class: 'down' }, { class: 'sometimes' }] });
    expect(result.ok).toBe(false);
    const text = result.ok ? '' : result.errors.join('\n');
    expect(text).toMatch(/rules\.0\.matchRegex\.alertname: "\(" is not a valid regular expression/);
    expect(text).toMatch(/rules\.1\.class/);
  });

  it('anchors regexes like Alertmanager does', () => {
    const result = parseAlertPolicy({ rules: [{ matchRegex: { alertname: 'Kube.*' }, class: 'down' }] });
    const compiled = (result as { ok: true; policy: AlertPolicy }).policy;
    expect(classifyAlert({ alertname: 'KubeNodeNotReady' }, compiled)).toBe('down');
    expect(classifyAlert({ alertname: 'NotKubeNode' }, compiled)).toBe('ignore');
  });
});

describe('holderMap', () => {
  it('maps namespace/name, name and every address of a held FailoverIP to its holder, and skips unrouted ones', () => {
    const map = holderMap([
      { key: 'ipshift/web', addresses: ['198.51.100.10', '2001:db8::/64'], assignedNode: 'n1', holderSince: 5, previousHolder: 'n0' },
      { key: 'ipshift/idle', addresses: ['198.51.100.11'], assignedNode: null },
    ]);
    const holder = { node: 'n1', since: 5, previous: 'n0' };
    expect(Object.fromEntries(map)).toEqual({ 'ipshift/web': holder, web: holder, '198.51.100.10': holder, '2001:db8::/64': holder });
  });
});
