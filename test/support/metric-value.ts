import type { Registry } from 'prom-client';

/**
 * The value of the one series of `name` whose labels include `labels` (histogram buckets passed
 * over); undefined when the metric is not registered or has no such series.
 */
export async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) return undefined;
  const data = await metric.get();
  const hit = data.values.find(
    (value) =>
      Object.entries(labels).every(([key, expected]) => String((value.labels as Record<string, unknown>)[key]) === expected) && !('le' in value.labels),
  );
  return hit?.value;
}
