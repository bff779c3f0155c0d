import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { ALERT_CLASSES, type AlertClass } from '../core/alert-policy.js';

/** Distinct alertnames kept as label values; the rest fold into `other` so a noisy source cannot blow up the series count. */
export const UNMAPPED_ALERTNAME_CAP = 50;
export const OTHER_ALERTNAME = 'other';

export type SyncResult = 'success' | 'auth_error' | 'http_error' | 'network_error' | 'invalid_response';

export interface AlertMetrics {
  webhookRequest(code: number, seconds: number): void;
  alertsReceived(status: 'firing' | 'resolved', count: number): void;
  setActiveByClass(counts: Readonly<Partial<Record<AlertClass, number>>>): void;
  unmappedAlert(alertname: string): void;
  syncFinished(result: SyncResult, nowMs: number): void;
  setStale(stale: boolean): void;
}

export function createAlertMetrics(registry: Registry): AlertMetrics {
  const registers = [registry];
  const webhookRequests = new Counter({
    name: 'ipshift_webhook_requests_total',
    help: 'Alertmanager webhook requests by HTTP status code.',
    labelNames: ['code'] as const,
    registers,
  });
  const webhookDuration = new Histogram({
    name: 'ipshift_webhook_request_duration_seconds',
    help: 'Time to answer an Alertmanager webhook request.',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });
  const received = new Counter({
    name: 'ipshift_alerts_received_total',
    help: 'Alerts received through the webhook, by their status in the payload.',
    labelNames: ['status'] as const,
    registers,
  });
  const active = new Gauge({
    name: 'ipshift_alerts_active',
    help: 'Active alerts in the alert view, by the class the alert policy gives them.',
    labelNames: ['class'] as const,
    registers,
  });
  const unmapped = new Counter({
    name: 'ipshift_alerts_unmapped_total',
    help: `Alerts that became active without naming a known node, by alertname (first ${UNMAPPED_ALERTNAME_CAP} names, then "${OTHER_ALERTNAME}").`,
    labelNames: ['alertname'] as const,
    registers,
  });
  const syncs = new Counter({
    name: 'ipshift_alertmanager_sync_total',
    help: 'Alertmanager API v2 synchronisations by result.',
    labelNames: ['result'] as const,
    registers,
  });
  const lastSync = new Gauge({
    name: 'ipshift_alertmanager_last_sync_timestamp_seconds',
    help: 'Unix time of the last successful Alertmanager API v2 synchronisation.',
    registers,
  });
  const stale = new Gauge({
    name: 'ipshift_alert_source_stale',
    help: '1 when the alert view is stale (watchdog alert missing or API sync overdue), else 0.',
    registers,
  });

  // Every class is exported from the start so dashboards see zeros, not gaps.
  for (const cls of ALERT_CLASSES) active.set({ class: cls }, 0);
  stale.set(0);
  const seenAlertnames = new Set<string>();

  return {
    webhookRequest(code, seconds) {
      webhookRequests.inc({ code: String(code) });
      webhookDuration.observe(seconds);
    },
    alertsReceived(status, count) {
      if (count > 0) received.inc({ status }, count);
    },
    setActiveByClass(counts) {
      for (const cls of ALERT_CLASSES) active.set({ class: cls }, counts[cls] ?? 0);
    },
    unmappedAlert(alertname) {
      let label = alertname;
      if (!seenAlertnames.has(alertname)) {
        if (seenAlertnames.size < UNMAPPED_ALERTNAME_CAP) seenAlertnames.add(alertname);
        else label = OTHER_ALERTNAME;
      }
      unmapped.inc({ alertname: label });
    },
    syncFinished(result, nowMs) {
      syncs.inc({ result });
      if (result === 'success') lastSync.set(nowMs / 1000);
    },
    setStale(value) {
      stale.set(value ? 1 : 0);
    },
  };
}
