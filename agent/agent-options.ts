import { AGENT_MODES, type AgentMode } from './desired-addresses.js';
import { canonicalAddress, parseCidr, type Cidr } from '../src/core/address.js';

export interface AgentRuntimeOptions {
  readonly nodeName: string;
  readonly mode: AgentMode;
  readonly fallbackInterface?: string;
  readonly port: number;
  /**
   * The address /metrics and /healthz listen on. Unset: the node's InternalIP from its Node
   * object (main.ts), never every address: with hostNetwork that would include public ones.
   */
  readonly bindAddress?: string;
  /** The node probe's port (identity-responder.ts), on every address of the node; 0: off. */
  readonly probePort: number;
  /** The uplink check (uplink-monitor.ts): ARP for the default gateway this often; 0: off. */
  readonly uplinkIntervalMs: number;
  readonly uplinkFailures: number;
  readonly stateDir: string;
  readonly nativeIPv6Prefix?: Cidr;
  readonly resyncIntervalMs: number;
  /** IPSHIFT_AGENT_CLUSTER_CIDRS: the pod and service ranges, never configured as failover addresses. */
  readonly clusterCidrs: readonly Cidr[];
  /** IPSHIFT_AGENT_ALLOW_DOCUMENTATION_ADDRESSES: accept 192.0.2.0/24, 2001:db8::/32 etc. (tests only). */
  readonly allowDocumentationAddresses: boolean;
  /**
   * IPSHIFT_FAILOVERIP_NAMESPACES: the only namespaces whose FailoverIPs count; `*` for all.
   * Unset: ipshift's own namespace (POD_NAMESPACE, agent-command.ts).
   */
  readonly failoverIPNamespaces?: readonly string[] | '*';
  /** IPSHIFT_LOG_LEVEL / IPSHIFT_LOG_FORMAT, the same settings as the controller's. */
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  readonly logFormat?: 'json' | 'text';
  /** KUBECONFIG, for running outside a cluster. */
  readonly kubeconfig?: string;
  /** IPSHIFT_CLUSTER_LABEL: a constant `cluster` label on every metric, as on the controller. */
  readonly clusterLabel?: string;
}

export const AGENT_DEFAULTS = {
  mode: 'all-eligible' as AgentMode,
  port: 9101,
  probePort: 9102,
  uplinkIntervalMs: 1000,
  uplinkFailures: 3,
  stateDir: '/var/lib/ipshift-agent',
  resyncSeconds: 30,
};

export class AgentOptionsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid agent settings:\n  - ${problems.join('\n  - ')}`);
    this.name = 'AgentOptionsError';
  }
}

// Kubernetes node names are DNS subdomains (RFC 1123), at most 253 characters.
const NODE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// Linux IFNAMSIZ is 16 including the terminating NUL; no slash, no whitespace.
const IFACE_NAME = /^[^\s/:]{1,15}$/;

/**
 * Reads the agent's settings from the environment (the composition root passes process.env).
 * Every problem is collected and reported at once, naming the setting, the value and the rule.
 */
export function agentOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): AgentRuntimeOptions {
  const problems: string[] = [];
  const get = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };

  const nodeName = get('NODE_NAME');
  if (nodeName === undefined) {
    problems.push('NODE_NAME is required (set it from the downward API: fieldRef spec.nodeName)');
  } else if (nodeName.length > 253 || !NODE_NAME.test(nodeName)) {
    problems.push(`NODE_NAME="${nodeName}" is not a Kubernetes node name (lower-case RFC 1123 subdomain, at most 253 characters)`);
  }

  const modeText = get('IPSHIFT_AGENT_MODE') ?? AGENT_DEFAULTS.mode;
  const mode = (AGENT_MODES as readonly string[]).includes(modeText) ? (modeText as AgentMode) : undefined;
  if (mode === undefined) problems.push(`IPSHIFT_AGENT_MODE="${modeText}" must be one of ${AGENT_MODES.join(', ')}`);

  const fallbackInterface = get('IPSHIFT_AGENT_INTERFACE');
  if (fallbackInterface !== undefined && !IFACE_NAME.test(fallbackInterface)) {
    problems.push(`IPSHIFT_AGENT_INTERFACE="${fallbackInterface}" is not an interface name (1-15 characters, no whitespace, "/" or ":")`);
  }

  const port = integerSetting(get('IPSHIFT_AGENT_PORT'), 'IPSHIFT_AGENT_PORT', AGENT_DEFAULTS.port, 0, 65535, problems);

  const probePort = integerSetting(get('IPSHIFT_AGENT_PROBE_PORT'), 'IPSHIFT_AGENT_PROBE_PORT', AGENT_DEFAULTS.probePort, 0, 65535, problems);
  if (probePort !== 0 && probePort === port)
    problems.push(`IPSHIFT_AGENT_PROBE_PORT="${probePort}" must differ from IPSHIFT_AGENT_PORT (the probe port listens on every address)`);

  const uplinkIntervalMs = integerSetting(
    get('IPSHIFT_AGENT_UPLINK_INTERVAL_MS'),
    'IPSHIFT_AGENT_UPLINK_INTERVAL_MS',
    AGENT_DEFAULTS.uplinkIntervalMs,
    0,
    600_000,
    problems,
  );
  if (uplinkIntervalMs > 0 && uplinkIntervalMs < 500)
    problems.push(`IPSHIFT_AGENT_UPLINK_INTERVAL_MS="${uplinkIntervalMs}" must be 0 (off) or at least 500 (one ARP waits up to 1 s)`);
  const uplinkFailures = integerSetting(get('IPSHIFT_AGENT_UPLINK_FAILURES'), 'IPSHIFT_AGENT_UPLINK_FAILURES', AGENT_DEFAULTS.uplinkFailures, 1, 100, problems);

  const bindText = get('IPSHIFT_AGENT_BIND');
  const bindAddress = bindText === undefined ? undefined : canonicalAddress(bindText);
  if (bindAddress === null) problems.push(`IPSHIFT_AGENT_BIND="${bindText}" must be an IPv4 or IPv6 address (unset: the node's InternalIP)`);

  const clusterCidrs: Cidr[] = [];
  for (const text of (get('IPSHIFT_AGENT_CLUSTER_CIDRS') ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '')) {
    const parsed = parseCidr(text, () => -1);
    if (parsed === null) problems.push(`IPSHIFT_AGENT_CLUSTER_CIDRS: "${text}" is not a CIDR (the pod and service ranges, e.g. 10.244.0.0/16,10.96.0.0/12)`);
    else clusterCidrs.push(parsed);
  }
  const namespacesText = get('IPSHIFT_FAILOVERIP_NAMESPACES');
  const namespaceList = (namespacesText ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  for (const ns of namespaceList) {
    if (ns !== '*' && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(ns))
      problems.push(`IPSHIFT_FAILOVERIP_NAMESPACES: "${ns}" is not a namespace name (or * for all)`);
  }
  const failoverIPNamespaces = namespacesText === undefined ? undefined : namespaceList.includes('*') ? ('*' as const) : namespaceList;
  const documentationText = get('IPSHIFT_AGENT_ALLOW_DOCUMENTATION_ADDRESSES') ?? 'false';
  if (documentationText !== 'true' && documentationText !== 'false') {
    problems.push(`IPSHIFT_AGENT_ALLOW_DOCUMENTATION_ADDRESSES="${documentationText}" must be true or false`);
  }

  const stateDir = get('IPSHIFT_AGENT_STATE_DIR') ?? AGENT_DEFAULTS.stateDir;
  if (!stateDir.startsWith('/')) problems.push(`IPSHIFT_AGENT_STATE_DIR="${stateDir}" must be an absolute path`);

  const prefixText = get('IPSHIFT_AGENT_IPV6_PREFIX');
  let nativeIPv6Prefix: Cidr | undefined;
  if (prefixText !== undefined) {
    const parsed = parseCidr(prefixText, () => -1);
    if (parsed === null || parsed.family !== 6 || parsed.prefixLength !== 64) {
      problems.push(`IPSHIFT_AGENT_IPV6_PREFIX="${prefixText}" must be the node's native IPv6 /64, e.g. 2001:db8:5:6::/64`);
    } else {
      nativeIPv6Prefix = parsed;
    }
  }

  const resyncSeconds = integerSetting(get('IPSHIFT_AGENT_RESYNC_SECONDS'), 'IPSHIFT_AGENT_RESYNC_SECONDS', AGENT_DEFAULTS.resyncSeconds, 1, 86_400, problems);

  const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
  const levelText = get('IPSHIFT_LOG_LEVEL') ?? 'info';
  const logLevel = LEVELS.find((l) => l === levelText);
  if (logLevel === undefined) problems.push(`IPSHIFT_LOG_LEVEL="${levelText}" must be one of ${LEVELS.join(', ')}`);
  const formatText = get('IPSHIFT_LOG_FORMAT');
  const logFormat = formatText === 'json' || formatText === 'text' ? formatText : undefined;
  if (formatText !== undefined && logFormat === undefined) problems.push(`IPSHIFT_LOG_FORMAT="${formatText}" must be json or text`);
  const kubeconfig = get('KUBECONFIG');
  const clusterLabel = get('IPSHIFT_CLUSTER_LABEL');

  if (problems.length > 0 || logLevel === undefined || nodeName === undefined || mode === undefined || bindAddress === null)
    throw new AgentOptionsError(problems);
  return {
    nodeName,
    mode,
    ...(fallbackInterface === undefined ? {} : { fallbackInterface }),
    port,
    ...(bindAddress === undefined ? {} : { bindAddress }),
    probePort,
    uplinkIntervalMs,
    uplinkFailures,
    stateDir,
    ...(nativeIPv6Prefix === undefined ? {} : { nativeIPv6Prefix }),
    resyncIntervalMs: resyncSeconds * 1000,
    clusterCidrs,
    allowDocumentationAddresses: documentationText === 'true',
    ...(failoverIPNamespaces === undefined ? {} : { failoverIPNamespaces }),
    logLevel,
    ...(logFormat === undefined ? {} : { logFormat }),
    ...(kubeconfig === undefined ? {} : { kubeconfig }),
    ...(clusterLabel === undefined ? {} : { clusterLabel }),
  };
}

function integerSetting(text: string | undefined, name: string, fallback: number, min: number, max: number, problems: string[]): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    problems.push(`${name}="${text}" must be a whole number from ${min} to ${max}`);
    return fallback;
  }
  return Number(text);
}
