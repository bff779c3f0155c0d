/** The text a newcomer sees first: what this is, where to look, and one command that moves the IP. */
export function sandboxBanner(url: string, holder: string | null, token: string | undefined): string {
  const node = holder ?? 'node-1';
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
  const auth = token === undefined ? '' : ` -H 'Authorization: Bearer ${'$'}IPSHIFT_WEBHOOK_TOKEN'`;
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
    ` The failover IP default/web (198.51.100.10) is on ${node}. Tell ipshift that ${node} is down:`,
    '',
    `   curl -sS -X POST ${url}/webhook/alertmanager -H 'Content-Type: application/json'${auth} \\`,
    `     -d '${payload}'`,
    '',
    ' ...and watch the status page: the IP moves to a healthy node within a second.',
    ` Heal it again:  curl -X POST '${url}/sandbox/nodes/${node}/ready?status=True' (or resolve the alert)`,
    '',
    " Or pull the plug, no alert at all: ipshift's own node probe moves the IP in about",
    ' 4 s, where Kubernetes marks the node NotReady only after 40 s:',
    `   curl -X POST '${url}/sandbox/nodes/${node}/power?state=off'   (state=on to power it up)`,
    line,
  ].join('\n');
}
