import { SANDBOX_COOLDOWN_SECONDS } from '../sandbox/start-sandbox.js';

/**
 * The text a newcomer sees first: what this is, where to look, and commands that break and heal
 * a node. Each command runs as printed in bash (test/controller/sandbox-banner.test.ts runs them).
 */
export function sandboxBanner(url: string, holder: string | null, token: string | undefined, cooldownSeconds: number = SANDBOX_COOLDOWN_SECONDS): string {
  const node = holder ?? 'node-1';
  const other = node === 'node-3' ? 'node-2' : 'node-3';
  const payload = JSON.stringify({
    version: '4',
    status: 'firing',
    receiver: 'ipshift',
    groupKey: 'sandbox',
    alerts: [
      {
        status: 'firing',
        labels: { alertname: 'KubeNodeNotReady', node, severity: 'critical' },
        annotations: {},
        startsAt: '2026-01-01T00:00:00Z',
        endsAt: '0001-01-01T00:00:00Z',
        fingerprint: 'sandbox-1',
      },
    ],
  });
  // Double quotes: the shell expands the variable (the token itself is never printed).
  const auth = token === undefined ? '' : ` -H "Authorization: Bearer ${'$'}IPSHIFT_WEBHOOK_TOKEN"`;
  const line = '='.repeat(78);
  return [
    line,
    ' ipshift SANDBOX: no Kubernetes cluster in use. Simulated 3-node cluster + built-in',
    ' netcup API emulator. Nothing real is moved. (IPSHIFT_SANDBOX=1 forces this mode.)',
    line,
    ` Status page:  ${url}/`,
    ` State (JSON): ${url}/api/v1/state`,
    ` Metrics:      ${url}/metrics`,
    '',
    ` The failover IP default/web (198.51.100.10) is on ${node}. Tell ipshift that ${node} is down`,
    ...(token === undefined ? [':'] : [' (IPSHIFT_WEBHOOK_TOKEN is set: export it in the shell you paste this into):']),
    '',
    `   curl -sS -X POST ${url}/webhook/alertmanager -H 'Content-Type: application/json'${auth} \\`,
    `     -d '${payload}'`,
    '',
    ' ...and watch the status page: the IP moves to a healthy node within a second.',
    ` Heal the node (resolves its alerts, powers it on, Ready=True):`,
    `   curl -sS -X POST '${url}/sandbox/nodes/${node}/heal'`,
    '',
    ` The sandbox's cooldown is ${cooldownSeconds} s (netcup's real one is 300 s): a second move within`,
    ` ${cooldownSeconds} s of the last one waits, and the status page says so and for how long.`,
    '',
    " Or pull the plug, no alert at all: ipshift's own node probe moves the IP in about",
    ' 4 s, where Kubernetes marks the node NotReady only after 40 s:',
    `   curl -sS -X POST '${url}/sandbox/nodes/${node}/power?state=off'   # state=on powers it up`,
    '',
    ' The LoadBalancer Service default/shop gets the address (status.loadBalancer). With',
    ' externalTrafficPolicy Local the IP stays on a node with a ready endpoint; move them:',
    `   curl -sS -X POST '${url}/sandbox/services/shop/endpoints?nodes=${other}'`,
    line,
  ].join('\n');
}
