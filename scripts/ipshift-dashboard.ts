/**
 * The source of dashboards/ipshift.json (Grafana 10 and 11). `tsx scripts/build-monitoring.ts`
 * writes the JSON; a test fails when the committed JSON differs from what this builds.
 * Every query selects `cluster=~"$cluster"`: with the `All` value (`.*`) it also matches series
 * without a cluster label, so single-cluster setups need no configuration.
 */

export const DASHBOARD_UID = 'ipshift';
/** Grafana 10.4 writes 39; Grafana 11 reads it and migrates in memory. */
export const SCHEMA_VERSION = 39;

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const;
const C = 'cluster=~"$cluster"';
const F = 'failover_ip=~"$failover_ip"';

export interface Target {
  readonly expr: string;
  readonly legendFormat?: string;
  /** Instant query (tables, stats of "now"). */
  readonly instant?: boolean;
  readonly format?: 'time_series' | 'table';
}

type Json = Record<string, unknown>;

interface PanelSpec {
  readonly type: 'stat' | 'timeseries' | 'state-timeline' | 'table' | 'bargauge';
  readonly title: string;
  readonly description: string;
  readonly targets: readonly Target[];
  readonly w: number;
  readonly h: number;
  readonly unit?: string;
  readonly thresholds?: ReadonlyArray<readonly [number | null, string]>;
  readonly mappings?: readonly Json[];
  readonly options?: Json;
  readonly custom?: Json;
  readonly transformations?: readonly Json[];
  readonly min?: number;
}

interface RowSpec {
  readonly title: string;
  readonly panels: readonly PanelSpec[];
}

const valueMap = (entries: Record<string, [string, string]>): Json => ({
  type: 'value',
  options: Object.fromEntries(Object.entries(entries).map(([value, [text, color]], index) => [value, { text, color, index }])),
});

const rate = (metric: string, selector: string, by: string): string => `sum by (${by}) (rate(${metric}{${selector}}[$__rate_interval]))`;
const increase = (metric: string, selector: string, by: string): string => `sum by (${by}) (increase(${metric}{${selector}}[$__rate_interval]))`;
const quantile = (q: number, metric: string, selector: string, by: string): string =>
  `histogram_quantile(${q}, sum by (le${by === '' ? '' : `, ${by}`}) (rate(${metric}_bucket{${selector}}[$__rate_interval])))`;

/** Two instant stats of a 0/1 gauge per FailoverIP: how many say 1 (`legend`), and of how many (`total`). */
const ofAllFailoverIPs = (metric: string, legend: string): Target[] => {
  const perFailoverIP = `max by (cluster, failover_ip) (${metric}{${C}, ${F}})`;
  return [
    { expr: `sum(${perFailoverIP})`, legendFormat: legend, instant: true },
    { expr: `count(${perFailoverIP})`, legendFormat: 'total', instant: true },
  ];
};

const ROWS: readonly RowSpec[] = [
  {
    title: 'Overview',
    panels: [
      {
        type: 'stat',
        title: 'Leader',
        description: 'Replicas that hold the leader Lease. Exactly one is healthy; none means no failover IP can move.',
        targets: [{ expr: `sum(ipshift_leader{${C}})`, instant: true }],
        w: 4,
        h: 4,
        thresholds: [
          [null, 'red'],
          [1, 'green'],
          [2, 'orange'],
        ],
        mappings: [valueMap({ '0': ['none', 'red'], '1': ['elected', 'green'] })],
      },
      {
        type: 'stat',
        title: 'FailoverIPs routed',
        description: 'FailoverIPs the provider routes to one of our nodes, of all FailoverIPs.',
        targets: ofAllFailoverIPs('ipshift_failover_ip_routed', 'routed'),
        w: 5,
        h: 4,
        options: { textMode: 'value_and_name', colorMode: 'none' },
      },
      {
        type: 'stat',
        title: 'Holders healthy',
        description: 'FailoverIPs whose holder has no issue that calls for a move, of all FailoverIPs.',
        targets: ofAllFailoverIPs('ipshift_failover_ip_holder_healthy', 'healthy'),
        w: 5,
        h: 4,
        options: { textMode: 'value_and_name', colorMode: 'none' },
      },
      {
        type: 'stat',
        title: 'Nodes with issues',
        description: 'Nodes with at least one health issue (see the node health table).',
        targets: [{ expr: `count(max by (cluster, node) (ipshift_node_health_issue{${C}}) == 1) or vector(0)`, instant: true }],
        w: 4,
        h: 4,
        thresholds: [
          [null, 'green'],
          [1, 'orange'],
        ],
      },
      {
        type: 'stat',
        title: 'Alert view',
        description: 'Whether ipshift sees current alerts: stale when the watchdog alert stopped arriving or the Alertmanager sync is overdue.',
        targets: [{ expr: `max(ipshift_alert_source_stale{${C}})`, instant: true }],
        w: 3,
        h: 4,
        mappings: [valueMap({ '0': ['fresh', 'green'], '1': ['stale', 'red'] })],
      },
      {
        type: 'stat',
        title: 'Version',
        description: 'ipshift versions running (replicas per version).',
        targets: [{ expr: `count by (version) (ipshift_build_info{${C}})`, legendFormat: '{{version}}', instant: true }],
        w: 3,
        h: 4,
        options: { textMode: 'name', colorMode: 'none' },
      },
    ],
  },
  {
    title: 'FailoverIPs',
    panels: [
      {
        type: 'state-timeline',
        title: 'Which node holds each FailoverIP',
        description: 'One row per FailoverIP and node: filled while the provider routes the FailoverIP to that node.',
        targets: [{ expr: `max by (failover_ip, node) (ipshift_failover_ip_assigned{${C}, ${F}})`, legendFormat: '{{failover_ip}} → {{node}}' }],
        w: 24,
        h: 8,
        mappings: [valueMap({ '1': ['holds', 'green'] })],
        options: { showValue: 'never', mergeValues: true, rowHeight: 0.8 },
      },
      {
        type: 'table',
        title: 'FailoverIPs now',
        description: 'Holder, routing, holder health and cooldown of every FailoverIP.',
        targets: [
          { expr: `max by (failover_ip, node) (ipshift_failover_ip_assigned{${C}, ${F}})`, instant: true, format: 'table' },
          { expr: `max by (failover_ip) (ipshift_failover_ip_routed{${C}, ${F}})`, instant: true, format: 'table' },
          { expr: `max by (failover_ip) (ipshift_failover_ip_holder_healthy{${C}, ${F}})`, instant: true, format: 'table' },
          { expr: `max by (failover_ip) (ipshift_cooldown_remaining_seconds{${C}, ${F}})`, instant: true, format: 'table' },
        ],
        w: 12,
        h: 8,
        transformations: [
          { id: 'merge', options: {} },
          {
            id: 'organize',
            options: {
              excludeByName: { Time: true, 'Value #A': true },
              renameByName: { failover_ip: 'FailoverIP', node: 'Holder', 'Value #B': 'Routed', 'Value #C': 'Holder healthy', 'Value #D': 'Cooldown left (s)' },
            },
          },
        ],
      },
      {
        type: 'timeseries',
        title: 'Cooldown left',
        description: 'Seconds until each FailoverIP may move again.',
        targets: [{ expr: `max by (failover_ip) (ipshift_cooldown_remaining_seconds{${C}, ${F}})`, legendFormat: '{{failover_ip}}' }],
        w: 6,
        h: 8,
        unit: 's',
        min: 0,
      },
      {
        type: 'timeseries',
        title: 'Time since last move',
        description: 'How long each FailoverIP has stayed where it is.',
        targets: [{ expr: `time() - max by (failover_ip) (ipshift_last_move_timestamp_seconds{${C}, ${F}} > 0)`, legendFormat: '{{failover_ip}}' }],
        w: 6,
        h: 8,
        unit: 's',
      },
    ],
  },
  {
    title: 'Nodes',
    panels: [
      {
        type: 'table',
        title: 'Node health',
        description:
          'Every issue every node has now (nodes without issues are not listed). Issue classes, most severe first: not-eligible, network-unavailable, ready-false, ready-unknown, unreachable, unresponsive, alert-down, alert-drain, cordoned, pid/memory/disk-pressure, alert-degraded.',
        targets: [{ expr: `max by (node, issue) (ipshift_node_health_issue{${C}}) == 1`, instant: true, format: 'table' }],
        w: 8,
        h: 9,
        transformations: [{ id: 'organize', options: { excludeByName: { Time: true, Value: true }, renameByName: { node: 'Node', issue: 'Issue' } } }],
      },
      {
        type: 'timeseries',
        title: 'Nodes by issue',
        description: 'How many nodes have each issue.',
        targets: [{ expr: `sum by (issue) (max by (cluster, node, issue) (ipshift_node_health_issue{${C}}))`, legendFormat: '{{issue}}' }],
        w: 8,
        h: 9,
        min: 0,
      },
      {
        type: 'bargauge',
        title: 'Eligible nodes per FailoverIP',
        description: 'Nodes that may hold each FailoverIP (selected, Ready pod present, server known). Zero means nowhere to fail over to.',
        targets: [
          {
            expr: `max by (failover_ip) (ipshift_failover_ip_nodes{${C}, ${F}, eligibility="eligible"})`,
            legendFormat: '{{failover_ip}}',
            instant: true,
          },
        ],
        w: 8,
        h: 9,
        thresholds: [
          [null, 'red'],
          [2, 'green'],
        ],
        options: { orientation: 'horizontal', displayMode: 'basic' },
      },
      {
        type: 'timeseries',
        title: 'Node probe',
        description:
          "ipshift's own TCP probes per second by path (internal: a node's InternalIP; failover-ip: a held failover address) and result. Silent probes of a holder on every path for three rounds make it unresponsive. Rounds not counted: nobody answered, so ipshift's fast detection was blind (check the controller's network or the probe port).",
        targets: [
          { expr: rate('ipshift_node_probes_total', C, 'path, result'), legendFormat: '{{path}} {{result}}' },
          { expr: `sum(rate(ipshift_node_probe_rounds_total{${C}, counted="false"}[$__rate_interval]))`, legendFormat: 'rounds not counted' },
        ],
        w: 24,
        h: 7,
        min: 0,
        unit: 'ops',
      },
    ],
  },
  {
    title: 'Decisions and moves',
    panels: [
      {
        type: 'timeseries',
        title: 'Decisions by outcome and reason',
        description: 'Decisions per second (one per FailoverIP and reconcile pass).',
        targets: [{ expr: rate('ipshift_decisions_total', `${C}, ${F}`, 'outcome, reason'), legendFormat: '{{outcome}} / {{reason}}' }],
        w: 8,
        h: 8,
        unit: 'ops',
      },
      {
        type: 'timeseries',
        title: 'Moves by reason and result',
        description: 'Moves applied through the provider in each interval.',
        targets: [{ expr: `${increase('ipshift_moves_total', `${C}, ${F}`, 'reason, result')} > 0`, legendFormat: '{{reason}} / {{result}}' }],
        w: 8,
        h: 8,
        custom: { drawStyle: 'bars', fillOpacity: 80 },
      },
      {
        type: 'stat',
        title: 'Move duration over the time range',
        description: 'From the triggering signal to the provider reporting the IP routed to the new node.',
        targets: [
          { expr: `histogram_quantile(0.5, sum by (le) (increase(ipshift_move_duration_seconds_bucket{${C}}[$__range])))`, legendFormat: 'p50', instant: true },
          {
            expr: `histogram_quantile(0.95, sum by (le) (increase(ipshift_move_duration_seconds_bucket{${C}}[$__range])))`,
            legendFormat: 'p95',
            instant: true,
          },
          { expr: `sum(increase(ipshift_move_duration_seconds_count{${C}}[$__range]))`, legendFormat: 'moves', instant: true },
        ],
        w: 8,
        h: 8,
        options: { textMode: 'value_and_name', colorMode: 'none' },
      },
    ],
  },
  {
    title: 'Provider API',
    panels: [
      {
        type: 'timeseries',
        title: 'Requests by provider and operation',
        description: 'Requests per second to each provider API.',
        targets: [{ expr: rate('ipshift_provider_requests_total', C, 'provider, operation'), legendFormat: '{{provider}} {{operation}}' }],
        w: 6,
        h: 8,
        unit: 'reqps',
      },
      {
        type: 'timeseries',
        title: 'Failed requests by code',
        description: 'Requests per second that did not answer 2xx: HTTP status, or timeout / network_error / aborted.',
        targets: [{ expr: rate('ipshift_provider_requests_total', `${C}, code!~"2.."`, 'provider, code'), legendFormat: '{{provider}} {{code}}' }],
        w: 6,
        h: 8,
        unit: 'reqps',
      },
      {
        type: 'timeseries',
        title: 'Request latency',
        description: 'p50 and p95 of provider request durations.',
        targets: [
          { expr: quantile(0.95, 'ipshift_provider_request_duration_seconds', C, 'provider, operation'), legendFormat: 'p95 {{provider}} {{operation}}' },
          { expr: quantile(0.5, 'ipshift_provider_request_duration_seconds', C, 'provider, operation'), legendFormat: 'p50 {{provider}} {{operation}}' },
        ],
        w: 6,
        h: 8,
        unit: 's',
      },
      {
        type: 'stat',
        title: 'Token refresh age',
        description: "Time since the last successful access-token refresh. netcup's offline token lapses after 30 days unused; ipshift alerts after 7.",
        targets: [
          { expr: `time() - max by (provider) (ipshift_provider_token_last_refresh_timestamp_seconds{${C}} > 0)`, legendFormat: '{{provider}}', instant: true },
        ],
        w: 6,
        h: 8,
        unit: 's',
        thresholds: [
          [null, 'green'],
          [86400 * 2, 'orange'],
          [86400 * 7, 'red'],
        ],
        options: { textMode: 'value_and_name' },
      },
    ],
  },
  {
    title: 'Alertmanager intake',
    panels: [
      {
        type: 'timeseries',
        title: 'Webhook requests by code',
        description: 'Alertmanager webhook requests per second by HTTP status; 401 means Alertmanager sends wrong credentials.',
        targets: [{ expr: rate('ipshift_webhook_requests_total', C, 'code'), legendFormat: '{{code}}' }],
        w: 6,
        h: 8,
        unit: 'reqps',
      },
      {
        type: 'timeseries',
        title: 'Webhook latency',
        description: 'Time to answer a webhook request (alerts are recorded; no provider call is awaited).',
        targets: [
          { expr: quantile(0.99, 'ipshift_webhook_request_duration_seconds', C, ''), legendFormat: 'p99' },
          { expr: quantile(0.5, 'ipshift_webhook_request_duration_seconds', C, ''), legendFormat: 'p50' },
        ],
        w: 6,
        h: 8,
        unit: 's',
      },
      {
        type: 'timeseries',
        title: 'Active alerts by class',
        description: 'Active alerts in the alert view, by the class the alert policy gives them.',
        targets: [{ expr: `max by (class) (ipshift_alerts_active{${C}})`, legendFormat: '{{class}}' }],
        w: 6,
        h: 8,
        min: 0,
      },
      {
        type: 'timeseries',
        title: 'Unmapped alerts and Alertmanager syncs',
        description: 'Alerts naming no known node, by alertname; Alertmanager API syncs by result.',
        targets: [
          { expr: `${increase('ipshift_alerts_unmapped_total', C, 'alertname')} > 0`, legendFormat: 'unmapped {{alertname}}' },
          { expr: rate('ipshift_alertmanager_sync_total', C, 'result'), legendFormat: 'sync {{result}}' },
          { expr: rate('ipshift_alerts_received_total', C, 'status'), legendFormat: 'received {{status}}' },
        ],
        w: 6,
        h: 8,
        unit: 'ops',
      },
    ],
  },
  {
    title: 'Controller',
    panels: [
      {
        type: 'timeseries',
        title: 'Reconciles by result',
        description: 'Reconcile passes per second.',
        targets: [{ expr: rate('ipshift_reconcile_total', C, 'result'), legendFormat: '{{result}}' }],
        w: 6,
        h: 8,
        unit: 'ops',
      },
      {
        type: 'timeseries',
        title: 'Reconcile duration',
        description: 'p50 and p99 of reconcile pass durations.',
        targets: [
          { expr: quantile(0.99, 'ipshift_reconcile_duration_seconds', C, ''), legendFormat: 'p99' },
          { expr: quantile(0.5, 'ipshift_reconcile_duration_seconds', C, ''), legendFormat: 'p50' },
        ],
        w: 6,
        h: 8,
        unit: 's',
      },
      {
        type: 'timeseries',
        title: 'Staleness',
        description: 'Time since the last successful reconcile and the last Alertmanager sync. ipshift alerts when reconciles are 5 minutes old.',
        targets: [
          { expr: `time() - max(ipshift_last_successful_reconcile_timestamp_seconds{${C}} > 0)`, legendFormat: 'reconcile' },
          { expr: `time() - max(ipshift_alertmanager_last_sync_timestamp_seconds{${C}} > 0)`, legendFormat: 'Alertmanager sync' },
        ],
        w: 6,
        h: 8,
        unit: 's',
        thresholds: [
          [null, 'green'],
          [300, 'red'],
        ],
        custom: { thresholdsStyle: { mode: 'line' } },
      },
      {
        type: 'timeseries',
        title: 'Leadership and Kubernetes API errors',
        description: 'Which replica leads, leader changes, and Kubernetes API errors by operation.',
        targets: [
          { expr: `max by (instance) (ipshift_leader{${C}})`, legendFormat: 'leader {{instance}}' },
          { expr: `sum(increase(ipshift_leader_transitions_total{${C}}[$__rate_interval]))`, legendFormat: 'leader changes' },
          { expr: increase('ipshift_kube_api_errors_total', C, 'operation'), legendFormat: 'API errors {{operation}}' },
        ],
        w: 6,
        h: 8,
      },
      {
        type: 'timeseries',
        title: 'Kubernetes watches',
        description: 'Watch streams re-opened and full re-lists, by resource and reason; objects in the local caches.',
        targets: [
          {
            expr: `${increase('ipshift_kube_watch_restarts_total', C, 'resource, reason')} > 0`,
            legendFormat: 'restart {{resource}} {{reason}}',
          },
          {
            expr: `${increase('ipshift_kube_relists_total', C, 'resource, reason')} > 0`,
            legendFormat: 'relist {{resource}} {{reason}}',
          },
        ],
        w: 12,
        h: 7,
      },
      {
        type: 'timeseries',
        title: 'Cached objects',
        description: "Nodes, FailoverIPs and pods in the leader's watch caches.",
        targets: [{ expr: `max by (resource) (ipshift_kube_cached_objects{${C}})`, legendFormat: '{{resource}}' }],
        w: 12,
        h: 7,
        min: 0,
      },
    ],
  },
  {
    title: 'Node agent',
    panels: [
      {
        type: 'timeseries',
        title: 'Failover addresses missing',
        description: 'Addresses an agent must hold but its interface lacks, per node (the node label comes from the agent PodMonitor).',
        targets: [{ expr: `count by (node) (ipshift_agent_address_present{${C}, ${F}} == 0)`, legendFormat: '{{node}}' }],
        w: 8,
        h: 7,
        min: 0,
      },
      {
        type: 'timeseries',
        title: 'Agent errors by operation',
        description: 'Failed agent operations per second.',
        targets: [{ expr: rate('ipshift_agent_errors_total', C, 'operation'), legendFormat: '{{operation}}' }],
        w: 8,
        h: 7,
        unit: 'ops',
      },
      {
        type: 'timeseries',
        title: 'Agent sync age',
        description: 'Time since each agent last synced its interface.',
        targets: [{ expr: `time() - max by (node) (ipshift_agent_last_sync_timestamp_seconds{${C}} > 0)`, legendFormat: '{{node}}' }],
        w: 8,
        h: 7,
        unit: 's',
      },
    ],
  },
];

function panelJson(spec: PanelSpec, id: number, x: number, y: number): Json {
  const steps = (spec.thresholds ?? [[null, 'green']]).map(([value, color]) => ({ color, value }));
  const defaults: Json = {
    color: { mode: spec.type === 'stat' || spec.type === 'bargauge' ? 'thresholds' : 'palette-classic' },
    mappings: spec.mappings ?? [],
    thresholds: { mode: 'absolute', steps },
    ...(spec.unit === undefined ? {} : { unit: spec.unit }),
    ...(spec.min === undefined ? {} : { min: spec.min }),
  };
  if (spec.type === 'timeseries')
    defaults['custom'] = { drawStyle: 'line', fillOpacity: 10, lineWidth: 1, showPoints: 'never', spanNulls: false, ...spec.custom };
  if (spec.type === 'state-timeline') defaults['custom'] = { fillOpacity: 80, lineWidth: 0 };
  const baseOptions: Json =
    spec.type === 'stat'
      ? {
          reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
          colorMode: 'value',
          graphMode: 'none',
          justifyMode: 'auto',
          textMode: 'auto',
          orientation: 'auto',
        }
      : spec.type === 'bargauge'
        ? { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, showUnfilled: true }
        : spec.type === 'table'
          ? { showHeader: true, cellHeight: 'sm', footer: { show: false, reducer: ['sum'], fields: '' } }
          : { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } };
  return {
    id,
    type: spec.type,
    title: spec.title,
    description: spec.description,
    datasource: DATASOURCE,
    gridPos: { h: spec.h, w: spec.w, x, y },
    fieldConfig: { defaults, overrides: [] },
    options: { ...baseOptions, ...spec.options },
    targets: spec.targets.map((target, index) => ({
      datasource: DATASOURCE,
      refId: String.fromCharCode(65 + index),
      expr: target.expr,
      legendFormat: target.legendFormat ?? '__auto',
      range: target.instant !== true,
      instant: target.instant === true,
      ...(target.format === undefined ? {} : { format: target.format }),
    })),
    ...(spec.transformations === undefined ? {} : { transformations: spec.transformations }),
  };
}

function variable(name: string, label: string, query: string): Json {
  return {
    name,
    label,
    type: 'query',
    datasource: DATASOURCE,
    definition: query,
    query: { qryType: 1, query, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
    refresh: 2,
    includeAll: true,
    allValue: '.*',
    multi: true,
    current: { selected: true, text: ['All'], value: ['$__all'] },
    options: [],
    regex: '',
    sort: 1,
    hide: 0,
    skipUrlSync: false,
  };
}

export function ipshiftDashboard(): Json {
  const panels: Json[] = [];
  let id = 1;
  let y = 0;
  for (const row of ROWS) {
    panels.push({ id: id++, type: 'row', title: row.title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] });
    y += 1;
    let x = 0;
    let lineHeight = 0;
    for (const spec of row.panels) {
      if (x + spec.w > 24) {
        y += lineHeight;
        x = 0;
        lineHeight = 0;
      }
      panels.push(panelJson(spec, id++, x, y));
      x += spec.w;
      lineHeight = Math.max(lineHeight, spec.h);
    }
    y += lineHeight;
  }
  return {
    uid: DASHBOARD_UID,
    title: 'ipshift',
    description: 'Where each failover IP is, why it moved, and whether ipshift, its provider APIs and its alert intake are healthy.',
    tags: ['ipshift', 'failover'],
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    editable: true,
    graphTooltip: 1,
    fiscalYearStartMonth: 0,
    liveNow: false,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    timepicker: {},
    timezone: '',
    weekStart: '',
    links: [
      {
        title: 'Runbooks',
        type: 'link',
        url: 'https://github.com/ipshift/ipshift/blob/main/docs/observability.md',
        targetBlank: true,
        icon: 'doc',
        tooltip: '',
        asDropdown: false,
        includeVars: false,
        keepTime: false,
        tags: [],
      },
    ],
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
        {
          name: 'Moves',
          datasource: DATASOURCE,
          enable: true,
          hide: false,
          iconColor: 'orange',
          expr: `sum by (failover_ip, reason) (increase(ipshift_moves_total{${C}, ${F}, result="success"}[2m])) > 0`,
          step: '1m',
          titleFormat: 'Move {{failover_ip}}',
          textFormat: '{{reason}}',
          useValueForTime: false,
        },
      ],
    },
    templating: {
      list: [
        {
          name: 'datasource',
          label: 'Data source',
          type: 'datasource',
          query: 'prometheus',
          current: {},
          options: [],
          refresh: 1,
          regex: '',
          hide: 0,
          includeAll: false,
          multi: false,
          skipUrlSync: false,
        },
        variable('cluster', 'Cluster', 'label_values(ipshift_build_info, cluster)'),
        variable('failover_ip', 'FailoverIP', `label_values(ipshift_failover_ip_routed{${C}}, failover_ip)`),
      ],
    },
    panels,
  };
}

/** Every PromQL expression in a dashboard: panel targets, annotations and query variables. */
export function dashboardExpressions(dashboard: Json): string[] {
  const out: string[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value !== null && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      if (typeof record['expr'] === 'string') out.push(record['expr']);
      for (const child of Object.values(record)) visit(child);
    }
  };
  visit(dashboard);
  return out;
}
