import { metricsCatalogue } from '../../scripts/metrics-reference.js';
import { alertRules, committedDashboard, dashboardQueries, referencedLabels, referencedNames } from './monitoring-sources.js';

/** Metrics of other exporters that the node-signal rules read, on purpose. */
const EXTERNAL_METRICS: Readonly<Record<string, readonly string[]>> = {
  kube_node_status_condition: ['node', 'condition', 'status'],
  up: [],
  probe_success: ['failover_ip', 'vantage'],
};
/** Labels that come from the scrape target or the setup, not from the metric itself. */
const TARGET_LABELS = ['cluster', 'job', 'instance', 'namespace', 'pod'];
/** The agent PodMonitor (deploy/monitoring/agent-podmonitor.yaml) adds the node name as `node`. */
const AGENT_TARGET_LABELS = ['node'];
const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'];

const catalogue = new Map(metricsCatalogue().map((entry) => [entry.name, entry]));

/** The registered metric a series name belongs to (histogram series carry a suffix), or undefined. */
function registeredName(series: string): string | undefined {
  if (catalogue.has(series)) return series;
  for (const suffix of HISTOGRAM_SUFFIXES) {
    const base = series.slice(0, -suffix.length);
    if (series.endsWith(suffix) && catalogue.get(base)?.type === 'histogram') return base;
  }
  return undefined;
}

const sources: Array<[string, string]> = [
  ...dashboardQueries(committedDashboard()).map((expr): [string, string] => [`dashboard: ${expr.replace(/\s+/g, ' ')}`, expr]),
  ...alertRules().map((rule): [string, string] => [`rule ${rule.alert}`, rule.expr]),
];

describe('every metric the dashboard and the rules name is exported', () => {
  it('finds expressions to check', () => {
    expect(sources.length).toBeGreaterThan(40);
  });

  it.each(sources)('%s', (_, expr) => {
    const names = referencedNames(expr);
    const unknown = names.filter((name) => registeredName(name) === undefined);
    expect(unknown).toEqual([]);

    // Identifiers that are not ipshift_ metrics must be allow-listed externals (or PromQL itself).
    const external = metricIdentifiers(expr).filter((word) => !word.startsWith('ipshift_'));
    expect(external.filter((word) => !(word in EXTERNAL_METRICS))).toEqual([]);

    // Every label the expression uses exists on one of the metrics it reads (or the target).
    const known = new Set<string>([...TARGET_LABELS, 'le']);
    for (const name of names) {
      const entry = catalogue.get(registeredName(name) ?? '');
      for (const label of entry?.labels ?? []) known.add(label);
      if (entry?.component === 'agent') AGENT_TARGET_LABELS.forEach((label) => known.add(label));
    }
    for (const word of external) for (const label of EXTERNAL_METRICS[word] ?? []) known.add(label);
    expect(referencedLabels(expr).filter((label) => !known.has(label))).toEqual([]);
  });

  it('catches a misspelt metric or label', () => {
    expect(referencedNames('sum(rate(ipshift_move_total[5m]))').filter((name) => registeredName(name) === undefined)).toEqual(['ipshift_move_total']);
    expect(registeredName('ipshift_move_duration_seconds_bucket')).toBe('ipshift_move_duration_seconds');
    expect(registeredName('ipshift_moves_total_count')).toBeUndefined();
    expect(metricIdentifiers('sum by (node) (rate(up{job="x"}[5m])) > 0 and on (node) kube_node_info == bool 1')).toEqual(['up', 'kube_node_info']);
    expect(referencedLabels('sum by (failover) (ipshift_moves_total{result="success"})')).toEqual(['result', 'failover']);
  });
});

const PROMQL_KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);

/** Names of the series an expression selects: identifiers that are neither functions, keywords nor label names. */
function metricIdentifiers(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\[[^\]]*\]/g, '[]')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const words = [...bare.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(\s*\()?/g)]
    .filter((match) => match[2] === undefined && !PROMQL_KEYWORDS.has(match[1] ?? ''))
    .map((match) => match[1] ?? '');
  return [...new Set(words)];
}
