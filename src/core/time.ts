/** Epoch milliseconds as RFC 3339 (UTC), the form Kubernetes status, the state page and Alertmanager use. */
export const isoTime = (ms: number): string => new Date(ms).toISOString();

/** isoTime of a time that may be unknown: null (a JSON null in status and on the state page) when it is. */
export const isoTimeOrNull = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : isoTime(ms));

/** An RFC 3339 time from status back to epoch milliseconds; null when absent or unreadable. */
export const parseIsoTime = (value: string | null | undefined): number | null => {
  if (value === null || value === undefined) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
};
