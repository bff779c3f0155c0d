/** Epoch milliseconds as RFC 3339 (UTC), the form Kubernetes status, the state page and Alertmanager use. */
export const isoTime = (ms: number): string => new Date(ms).toISOString();
