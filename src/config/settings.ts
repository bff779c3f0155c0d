import { isIP } from 'node:net';
import { readAlertPolicy } from './load-alert-policy.js';
import { Secret } from './secret.js';

/**
 * Every setting ipshift reads, in one table: the env name, the key in the optional YAML file
 * (IPSHIFT_CONFIG_FILE), the parser, the default and one line for the README. The loader, the
 * type and the README table all come from here, so they cannot drift apart.
 */
export interface Setting<T> {
  readonly env: string;
  readonly key: string;
  readonly doc: string;
  /** Default as shown in the README; `undefined` means unset. */
  readonly defaultText: string;
  readonly secret?: boolean;
  /** Returns the parsed value, or a rule the value breaks ("must be ..."). */
  parse(raw: string): { value: T } | { rule: string };
  readonly fallback: T;
}

type Parsed<T> = { value: T } | { rule: string };

const int =
  (min: number, max: number) =>
  (raw: string): Parsed<number> => {
    if (!/^-?\d+$/.test(raw.trim())) return { rule: `must be a whole number from ${min} to ${max}` };
    const n = Number(raw);
    return n >= min && n <= max ? { value: n } : { rule: `must be a whole number from ${min} to ${max}` };
  };
const str = (raw: string): Parsed<string> => ({ value: raw });
const bool = (raw: string): Parsed<boolean> => {
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return { value: true };
  if (['0', 'false', 'no', 'off', ''].includes(v)) return { value: false };
  return { rule: 'must be 1/0, true/false, yes/no or on/off' };
};
const oneOf =
  <T extends string>(...values: T[]) =>
  (raw: string): Parsed<T> =>
    (values as string[]).includes(raw) ? { value: raw as T } : { rule: `must be one of ${values.join(', ')}` };
const url = (raw: string) => {
  try {
    const parsed = new URL(raw);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return { rule: 'must be an http:// or https:// URL' };
    return { value: raw.replace(/\/+$/, '') };
  } catch {
    return { rule: 'must be an http:// or https:// URL' };
  }
};
const optionalUrl = (raw: string) => (raw === '' ? { value: undefined } : url(raw));
const secretValue = (raw: string) => (raw === '' ? { value: undefined } : { value: new Secret(raw) });
const basicAuth = (raw: string) => {
  if (raw === '') return { value: undefined };
  const colon = raw.indexOf(':');
  return colon > 0 && colon < raw.length - 1 ? { value: new Secret(raw) } : { rule: 'must be user:password with both parts non-empty' };
};
/** node-cron expressions have 5 or 6 fields. A full check happens when node-cron parses it. */
const cron = (raw: string): Parsed<string> => {
  const fields = raw.trim().split(/\s+/).length;
  return fields === 5 || fields === 6 ? { value: raw.trim() } : { rule: 'must be a cron expression with 5 or 6 fields (seconds first when 6)' };
};
const optionalStr = (raw: string) => ({ value: raw === '' ? undefined : raw });
/** Comma-separated namespace names, or `*` for all; empty: unset. */
const namespaceList = (raw: string): Parsed<readonly string[] | '*' | undefined> => {
  const names = raw
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  if (names.length === 0) return { value: undefined };
  if (names.includes('*')) return { value: '*' };
  const bad = names.find((n) => !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(n));
  return bad === undefined ? { value: names } : { rule: `must be namespace names separated by commas, or * for all ("${bad}" is none)` };
};
/** An address to listen on: a literal IP, so a typo fails here and not as a DNS error at listen(). */
const bindAddress = (raw: string): Parsed<string | undefined> => {
  if (raw === '') return { value: undefined };
  return isIP(raw) === 0 ? { rule: 'must be an IPv4 or IPv6 address of this machine, e.g. 0.0.0.0, 127.0.0.1 or ::' } : { value: raw };
};
/** The policy file is read and checked at start, with the other settings, not when the loop first needs it. */
const alertPolicyFile = (raw: string): Parsed<string | undefined> => {
  if (raw === '') return { value: undefined };
  const result = readAlertPolicy(raw);
  return result.ok ? { value: raw } : { rule: `must be a valid alert policy: ${result.errors.join('; ')}` };
};

function setting<T>(env: string, key: string, fallback: T, defaultText: string, doc: string, parse: Setting<T>['parse'], secret = false): Setting<T> {
  return { env, key, fallback, defaultText, doc, parse, secret };
}

export const SETTINGS = {
  port: setting('IPSHIFT_PORT', 'port', 8080, '8080', 'HTTP port for the webhook, API, status page and metrics.', int(1, 65535)),
  bind: setting<string | undefined>('IPSHIFT_BIND', 'bind', undefined, '0.0.0.0 in a cluster, 127.0.0.1 in the sandbox', 'Address to listen on.', bindAddress),
  webhookToken: setting<Secret | undefined>(
    'IPSHIFT_WEBHOOK_TOKEN',
    'webhookToken',
    undefined,
    'unset',
    'Bearer token Alertmanager must send.',
    secretValue,
    true,
  ),
  webhookTokenFile: setting<string | undefined>(
    'IPSHIFT_WEBHOOK_TOKEN_FILE',
    'webhookTokenFile',
    undefined,
    'unset',
    'File holding the bearer token (the mounted ipshift-webhook Secret). Until it exists the controller waits, not Ready, and says so once.',
    optionalStr,
  ),
  webhookBasicAuth: setting<Secret | undefined>(
    'IPSHIFT_WEBHOOK_BASIC_AUTH',
    'webhookBasicAuth',
    undefined,
    'unset',
    'user:password Alertmanager may send instead of a token.',
    basicAuth,
    true,
  ),
  webhookAuth: setting(
    'IPSHIFT_WEBHOOK_AUTH',
    'webhookAuth',
    'required' as 'required' | 'none',
    'required',
    '`none` accepts unauthenticated webhooks on purpose (outside the sandbox).',
    oneOf('required', 'none'),
  ),
  stateAuth: setting(
    'IPSHIFT_STATE_AUTH',
    'stateAuth',
    'none' as 'none' | 'webhook',
    'none',
    '`webhook`: `GET /api/v1/state` and the status page ask for the webhook credentials.',
    oneOf('none', 'webhook'),
  ),
  webhookBodyLimitBytes: setting(
    'IPSHIFT_WEBHOOK_BODY_LIMIT_BYTES',
    'webhookBodyLimitBytes',
    1048576,
    '1048576',
    'Largest webhook body accepted (413 above).',
    int(1024, 64 * 1048576),
  ),
  alertmanagerUrl: setting<string | undefined>(
    'IPSHIFT_ALERTMANAGER_URL',
    'alertmanagerUrl',
    undefined,
    'unset',
    'Alertmanager base URL; enables the API v2 sync.',
    optionalUrl,
  ),
  alertmanagerToken: setting<Secret | undefined>(
    'IPSHIFT_ALERTMANAGER_TOKEN',
    'alertmanagerToken',
    undefined,
    'unset',
    'Bearer token for the Alertmanager API.',
    secretValue,
    true,
  ),
  alertmanagerBasicAuth: setting<Secret | undefined>(
    'IPSHIFT_ALERTMANAGER_BASIC_AUTH',
    'alertmanagerBasicAuth',
    undefined,
    'unset',
    'user:password for the Alertmanager API.',
    basicAuth,
    true,
  ),
  alertmanagerReceiver: setting<string | undefined>(
    'IPSHIFT_ALERTMANAGER_RECEIVER',
    'alertmanagerReceiver',
    undefined,
    'unset',
    'Only sync alerts routed to this receiver (regex, as Alertmanager takes it).',
    optionalStr,
  ),
  alertmanagerSyncSchedule: setting(
    'IPSHIFT_ALERTMANAGER_SYNC_SCHEDULE',
    'alertmanagerSyncSchedule',
    '*/60 * * * * *',
    '*/60 * * * * * (every 60 s)',
    'When to re-read all alerts from the Alertmanager API.',
    cron,
  ),
  watchdogAlertname: setting<string | undefined>(
    'IPSHIFT_WATCHDOG_ALERTNAME',
    'watchdogAlertname',
    undefined,
    'unset',
    'An always-firing alert (e.g. Watchdog); its absence marks the alert view stale.',
    optionalStr,
  ),
  watchdogTimeoutSeconds: setting(
    'IPSHIFT_WATCHDOG_TIMEOUT_SECONDS',
    'watchdogTimeoutSeconds',
    600,
    '600',
    'How long the watchdog alert may be missing, or (with IPSHIFT_ALERTMANAGER_URL) the API sync may keep failing, before the view is stale.',
    int(1, 86400),
  ),
  alertMaxAgeSeconds: setting(
    'IPSHIFT_ALERT_MAX_AGE_SECONDS',
    'alertMaxAgeSeconds',
    900,
    '900',
    'An alert not refreshed by a webhook or sync for this long stops counting.',
    int(10, 7 * 86400),
  ),
  alertPolicyFile: setting<string | undefined>(
    'IPSHIFT_ALERT_POLICY_FILE',
    'alertPolicyFile',
    undefined,
    'built-in default',
    'YAML alert policy (mount a ConfigMap); read and checked at start.',
    alertPolicyFile,
  ),
  sandbox: setting('IPSHIFT_SANDBOX', 'sandbox', false, '0', 'Force the in-process sandbox (simulated cluster + netcup emulator).', bool),
  kubeconfig: setting<string | undefined>(
    'KUBECONFIG',
    'kubeconfig',
    undefined,
    'in-cluster, then ~/.kube/config',
    'Kubeconfig to use outside a cluster.',
    optionalStr,
  ),
  namespace: setting<string | undefined>(
    'IPSHIFT_NAMESPACE',
    'namespace',
    undefined,
    '$POD_NAMESPACE, else ipshift',
    'Namespace for the Lease and Events.',
    optionalStr,
  ),
  failoverIPNamespaces: setting<readonly string[] | '*' | undefined>(
    'IPSHIFT_FAILOVERIP_NAMESPACES',
    'failoverIPNamespaces',
    undefined,
    "ipshift's own namespace",
    'The only namespaces whose FailoverIPs are read (comma-separated, * for all); the agent has the same setting.',
    namespaceList,
  ),
  podName: setting<string | undefined>('POD_NAME', 'podName', undefined, 'hostname', 'Identity in leader election.', optionalStr),
  nodeName: setting<string | undefined>(
    'NODE_NAME',
    'nodeName',
    undefined,
    'unset',
    'The node this replica runs on (downward API): its own answers to the node probe are local and never count as a witness.',
    optionalStr,
  ),
  podIp: setting<string | undefined>('POD_IP', 'podIp', undefined, 'unset', 'Address the leader advertises for webhook forwarding.', optionalStr),
  serviceName: setting(
    'IPSHIFT_SERVICE_NAME',
    'serviceName',
    'ipshift',
    'ipshift',
    "The controller's own Service: a follower forwards webhooks only to a leader endpoint listed in its EndpointSlices for the Lease holder's pod.",
    str,
  ),
  leaseName: setting('IPSHIFT_LEASE_NAME', 'leaseName', 'ipshift-controller', 'ipshift-controller', 'Name of the coordination.k8s.io Lease.', str),
  leaseDurationSeconds: setting('IPSHIFT_LEASE_DURATION_SECONDS', 'leaseDurationSeconds', 5, '5', 'Leader lease duration.', int(1, 600)),
  leaseRenewDeadlineSeconds: setting(
    'IPSHIFT_LEASE_RENEW_DEADLINE_SECONDS',
    'leaseRenewDeadlineSeconds',
    3,
    '3',
    'The leader steps down when it cannot renew within this.',
    int(1, 600),
  ),
  leaseRetryPeriodSeconds: setting(
    'IPSHIFT_LEASE_RETRY_PERIOD_SECONDS',
    'leaseRetryPeriodSeconds',
    1,
    '1',
    'How often candidates try to acquire or renew.',
    int(1, 60),
  ),
  nodeResyncSchedule: setting(
    'IPSHIFT_NODE_RESYNC_SCHEDULE',
    'nodeResyncSchedule',
    '*/60 * * * * *',
    '*/60 * * * * * (every 60 s)',
    'Full re-list of Nodes and FailoverIPs besides the watch.',
    cron,
  ),
  nodeProbePort: setting(
    'IPSHIFT_NODE_PROBE_PORT',
    'nodeProbePort',
    9102,
    "9102 (the ipshift agent's probe port)",
    "TCP port ipshift connects to once a round on each holder's Node addresses and IPv4 failover addresses, and on three witnesses. The agent's probe port answers with the node's name and boot id; an answer counts for a node only when it names that node, or, for a node without the agent, when it is a reset on that node's own address (never on a failover address, which the prober's own node may carry). 0 turns the probe off.",
    int(0, 65535),
  ),
  nodeProbeIntervalMs: setting(
    'IPSHIFT_NODE_PROBE_INTERVAL_MS',
    'nodeProbeIntervalMs',
    1000,
    '1000',
    'Time between probe rounds; each probe times out at 90 % of it.',
    int(200, 60000),
  ),
  nodeProbeFailures: setting(
    'IPSHIFT_NODE_PROBE_FAILURES',
    'nodeProbeFailures',
    3,
    '3',
    'Rounds in a row in which a node is silent on every path while another node answers, before it is `unresponsive` (a down-tier issue).',
    int(1, 100),
  ),
  routingRefreshSeconds: setting(
    'IPSHIFT_ROUTING_REFRESH_SECONDS',
    'routingRefreshSeconds',
    3600,
    '3600',
    "Re-read the provider's routing at least this often (heals drift, keeps netcup's token alive).",
    int(10, 86400),
  ),
  logLevel: setting(
    'IPSHIFT_LOG_LEVEL',
    'logLevel',
    'info' as 'debug' | 'info' | 'warn' | 'error',
    'info',
    'Log level.',
    oneOf('debug', 'info', 'warn', 'error'),
  ),
  logFormat: setting<'json' | 'text' | undefined>('IPSHIFT_LOG_FORMAT', 'logFormat', undefined, 'json in a cluster, text locally', 'Log format.', (raw) =>
    raw === '' ? { value: undefined } : oneOf('json', 'text')(raw),
  ),
  clusterLabel: setting<string | undefined>(
    'IPSHIFT_CLUSTER_LABEL',
    'clusterLabel',
    undefined,
    'unset',
    'Constant `cluster` label on every metric.',
    optionalStr,
  ),
  netcupApiUrl: setting(
    'IPSHIFT_NETCUP_API_URL',
    'netcupApiUrl',
    'https://www.servercontrolpanel.de/scp-core',
    'https://www.servercontrolpanel.de/scp-core',
    'netcup SCP REST API.',
    url,
  ),
  netcupIssuerUrl: setting(
    'IPSHIFT_NETCUP_ISSUER_URL',
    'netcupIssuerUrl',
    'https://www.servercontrolpanel.de/realms/scp',
    'https://www.servercontrolpanel.de/realms/scp',
    'netcup OIDC issuer.',
    url,
  ),
  hetznerCloudApiUrl: setting(
    'IPSHIFT_HETZNER_CLOUD_API_URL',
    'hetznerCloudApiUrl',
    'https://api.hetzner.cloud/v1',
    'https://api.hetzner.cloud/v1',
    'Hetzner Cloud API.',
    url,
  ),
  hetznerRobotApiUrl: setting(
    'IPSHIFT_HETZNER_ROBOT_API_URL',
    'hetznerRobotApiUrl',
    'https://robot-ws.your-server.de',
    'https://robot-ws.your-server.de',
    'Hetzner Robot webservice.',
    url,
  ),
  digitaloceanApiUrl: setting(
    'IPSHIFT_DIGITALOCEAN_API_URL',
    'digitaloceanApiUrl',
    'https://api.digitalocean.com',
    'https://api.digitalocean.com',
    'DigitalOcean API.',
    url,
  ),
} as const;

type SettingsTable = typeof SETTINGS;
export type Config = { readonly [K in keyof SettingsTable]: SettingsTable[K]['fallback'] };
