import { AgentOptionsError, agentOptionsFromEnv } from './agent-options.js';

describe('agentOptionsFromEnv', () => {
  it('defaults', () => {
    expect(agentOptionsFromEnv({ NODE_NAME: 'worker-1' })).toEqual({
      nodeName: 'worker-1',
      mode: 'all-eligible',
      port: 9101,
      probePort: 9102,
      uplinkIntervalMs: 1000,
      uplinkFailures: 3,
      stateDir: '/var/lib/ipshift-agent',
      resyncIntervalMs: 30_000,
      clusterCidrs: [],
      allowDocumentationAddresses: false,
      logLevel: 'info',
    });
  });

  it('every setting', () => {
    expect(
      agentOptionsFromEnv({
        NODE_NAME: 'v2202.example.net',
        IPSHIFT_AGENT_MODE: 'holder-only',
        IPSHIFT_AGENT_INTERFACE: 'ens3',
        IPSHIFT_AGENT_PORT: '0',
        IPSHIFT_AGENT_BIND: '127.0.0.1',
        IPSHIFT_AGENT_STATE_DIR: '/tmp/agent',
        IPSHIFT_AGENT_IPV6_PREFIX: '2A03:4000:6:1::/64',
        IPSHIFT_AGENT_RESYNC_SECONDS: '5',
        IPSHIFT_AGENT_CLUSTER_CIDRS: '10.244.0.0/16, fd00:10:96::/112',
        IPSHIFT_AGENT_ALLOW_DOCUMENTATION_ADDRESSES: 'true',
        IPSHIFT_LOG_LEVEL: 'debug',
        IPSHIFT_LOG_FORMAT: 'json',
        KUBECONFIG: '/root/.kube/config',
        IPSHIFT_CLUSTER_LABEL: 'prod-nbg',
      }),
    ).toEqual({
      nodeName: 'v2202.example.net',
      mode: 'holder-only',
      fallbackInterface: 'ens3',
      port: 0,
      bindAddress: '127.0.0.1',
      probePort: 9102,
      uplinkIntervalMs: 1000,
      uplinkFailures: 3,
      stateDir: '/tmp/agent',
      nativeIPv6Prefix: { family: 6, address: '2a03:4000:6:1::', prefixLength: 64 },
      resyncIntervalMs: 5000,
      clusterCidrs: [
        { family: 4, address: '10.244.0.0', prefixLength: 16 },
        { family: 6, address: 'fd00:10:96::', prefixLength: 112 },
      ],
      allowDocumentationAddresses: true,
      logLevel: 'debug',
      logFormat: 'json',
      kubeconfig: '/root/.kube/config',
      clusterLabel: 'prod-nbg',
    });
  });

  it.each([
    ['NODE_NAME missing', { NODE_NAME: undefined }, 'NODE_NAME is required'],
    ['NODE_NAME blank', { NODE_NAME: '  ' }, 'NODE_NAME is required'],
    ['NODE_NAME not a node name', { NODE_NAME: 'Worker_1' }, 'NODE_NAME="Worker_1" is not a Kubernetes node name'],
    ['unknown mode', { IPSHIFT_AGENT_MODE: 'everywhere' }, 'IPSHIFT_AGENT_MODE="everywhere" must be one of all-eligible, holder-only'],
    [
      'interface name too long',
      { IPSHIFT_AGENT_INTERFACE: 'a-very-long-interface' },
      'IPSHIFT_AGENT_INTERFACE="a-very-long-interface" is not an interface name',
    ],
    ['port out of range', { IPSHIFT_AGENT_PORT: '70000' }, 'IPSHIFT_AGENT_PORT="70000" must be a whole number from 0 to 65535'],
    ['cluster range without a length', { IPSHIFT_AGENT_CLUSTER_CIDRS: '10.96.0.0' }, 'IPSHIFT_AGENT_CLUSTER_CIDRS: "10.96.0.0" is not a CIDR'],
    [
      'documentation switch not a boolean',
      { IPSHIFT_AGENT_ALLOW_DOCUMENTATION_ADDRESSES: 'yes' },
      'IPSHIFT_AGENT_ALLOW_DOCUMENTATION_ADDRESSES="yes" must be true or false',
    ],
    ['port not a number', { IPSHIFT_AGENT_PORT: '91o1' }, 'IPSHIFT_AGENT_PORT="91o1" must be a whole number'],
    ['bind not an address', { IPSHIFT_AGENT_BIND: 'localhost' }, 'IPSHIFT_AGENT_BIND="localhost" must be an IPv4 or IPv6 address'],
    ['relative state dir', { IPSHIFT_AGENT_STATE_DIR: 'state' }, 'IPSHIFT_AGENT_STATE_DIR="state" must be an absolute path'],
    [
      'IPv6 prefix not /64',
      { IPSHIFT_AGENT_IPV6_PREFIX: '2a03:4000:6::/48' },
      'IPSHIFT_AGENT_IPV6_PREFIX="2a03:4000:6::/48" must be the node\'s native IPv6 /64',
    ],
    ['IPv6 prefix without length', { IPSHIFT_AGENT_IPV6_PREFIX: '2a03:4000:6:1::' }, 'IPSHIFT_AGENT_IPV6_PREFIX="2a03:4000:6:1::" must be'],
    ['IPv4 as IPv6 prefix', { IPSHIFT_AGENT_IPV6_PREFIX: '10.0.0.0/64' }, 'IPSHIFT_AGENT_IPV6_PREFIX="10.0.0.0/64" must be'],
    ['log level', { IPSHIFT_LOG_LEVEL: 'loud' }, 'IPSHIFT_LOG_LEVEL="loud" must be one of debug, info, warn, error'],
    ['log format', { IPSHIFT_LOG_FORMAT: 'xml' }, 'IPSHIFT_LOG_FORMAT="xml" must be json or text'],
    ['resync zero', { IPSHIFT_AGENT_RESYNC_SECONDS: '0' }, 'IPSHIFT_AGENT_RESYNC_SECONDS="0" must be a whole number from 1 to 86400'],
  ])('%s: names the setting, the value and the rule', (_description, env, message) => {
    const full: Record<string, string | undefined> = { NODE_NAME: 'worker-1', ...env };
    expect(() => agentOptionsFromEnv(full)).toThrow(AgentOptionsError);
    expect(() => agentOptionsFromEnv(full)).toThrow(message);
  });

  it('reports every problem at once', () => {
    const error = (() => {
      try {
        agentOptionsFromEnv({ IPSHIFT_AGENT_MODE: 'x', IPSHIFT_AGENT_PORT: '-1' });
        return null;
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(AgentOptionsError);
    expect((error as AgentOptionsError).problems).toHaveLength(3);
  });
});
