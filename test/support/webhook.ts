/** Posts alerts to ipshift's Alertmanager webhook as Alertmanager does: one group, nothing truncated. */
export function postAlerts(
  url: string,
  alerts: readonly unknown[],
  options: { status?: 'firing' | 'resolved'; headers?: Record<string, string> } = {},
): Promise<Response> {
  const status = options.status ?? 'firing';
  return fetch(`${url}/webhook/alertmanager`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...options.headers },
    body: JSON.stringify({ version: '4', status, receiver: 'ipshift', groupKey: 'g', truncatedAlerts: 0, alerts }),
  });
}
