import { readFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import { AlertStore, type AlertStoreOptions } from '../../src/alerts/alert-store.js';
import { alertNode, buildNodeIndex } from '../../src/core/alert-mapping.js';
import { classifyAlert } from '../../src/core/alert-policy.js';
import { loadAlertPolicy } from '../../src/config/load-alert-policy.js';
import { createAlertmanagerWebhookHandler, webhookFirst, type AlertmanagerWebhookOptions } from '../../src/http/alertmanager-webhook.js';
import { createHttpServer } from '../../src/http/http-server.js';
import { createAlertMetrics, type AlertMetrics } from '../../src/metrics/alert-metrics.js';
import type { Clock } from '../../src/ports/clock.js';
import { silentLogger } from '../../src/ports/logger.js';
import { serveOnLoopback } from '../support/listen.js';

export const FIXTURE_NAMES = ['firing', 'resolved', 'prometheus-firing', 'prometheus-resolved'] as const;
export type FixtureName = (typeof FIXTURE_NAMES)[number];

/** A captured Alertmanager 0.25 webhook body, bytes as received. */
export function fixtureText(name: FixtureName): string {
  return readFileSync(new URL(`./fixtures/${name}.body.json`, import.meta.url), 'utf8');
}

export function fixture(name: FixtureName): Record<string, unknown> {
  return JSON.parse(fixtureText(name)) as Record<string, unknown>;
}

export class ManualClock implements Clock {
  constructor(public time: number) {}
  now(): number {
    return this.time;
  }
  advance(ms: number): void {
    this.time += ms;
  }
  sleep(): Promise<void> {
    return Promise.resolve();
  }
}

/** Nodes of the test cluster: names and the addresses alerts may carry in `instance`. */
export const TEST_NODES = [
  { name: 'node-1', addresses: ['10.0.0.1'] },
  { name: 'node-2', addresses: ['10.0.0.2', '2001:db8::2'] },
  { name: 'node-3', addresses: ['::1'] },
];

/** The composition root's resolver, built from the core's mapping and the shipped default policy. */
export function coreResolver(): AlertStoreOptions['resolveAlert'] {
  const policy = loadAlertPolicy();
  const index = buildNodeIndex(TEST_NODES);
  return (labels) => ({ node: alertNode(labels, index, policy), cls: classifyAlert(labels, policy) });
}

export class CountingTrigger {
  readonly reasons: string[] = [];
  request(reason: string): void {
    this.reasons.push(reason);
  }
}

export interface StoreKit {
  store: AlertStore;
  clock: ManualClock;
  trigger: CountingTrigger;
  registry: Registry;
  metrics: AlertMetrics;
}

export function makeStore(overrides: Partial<AlertStoreOptions> = {}, start = Date.parse('2026-11-22T11:00:00Z')): StoreKit {
  const clock = new ManualClock(start);
  const trigger = new CountingTrigger();
  const registry = new Registry();
  const metrics = createAlertMetrics(registry);
  const store = new AlertStore({
    clock,
    logger: silentLogger,
    metrics,
    maxAgeMs: 60 * 60_000,
    resolveAlert: coreResolver(),
    trigger,
    debounceMs: 1,
    ...overrides,
  });
  return { store, clock, trigger, registry, metrics };
}

export const settle = (ms = 10): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Serves the webhook on 127.0.0.1 at an ephemeral port, mounted the one way the controller
 * mounts it (webhookFirst in front of the rest, on the controller's HTTP server).
 */
export async function serveWebhook(
  options: AlertmanagerWebhookOptions,
  rest: Parameters<typeof webhookFirst>[1] = (_req, res) => res.writeHead(404).end(),
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createHttpServer(webhookFirst(createAlertmanagerWebhookHandler(options), rest));
  const { url, close } = await serveOnLoopback(server);
  return { url, close };
}
