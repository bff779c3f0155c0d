// Reading fields of Kubernetes API objects that arrive as raw JSON (watches, the fake API) or as
// typed-client objects: every shape is checked, nothing is cast. One set for every converter.

export type Json = Record<string, unknown>;

export const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
export const asObject = (value: unknown): Json => (isObject(value) ? value : {});
export const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
export const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The string-valued entries of a map (labels, annotations); anything else is dropped. */
export function stringMap(value: unknown): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, v] of Object.entries(asObject(value))) if (typeof v === 'string') result[key] = v;
  return result;
}

/** A timestamp as the typed client (Date) or raw JSON (RFC 3339 string) gives it; 0 when absent or unreadable. */
export function epochMs(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isNaN(ms) ? 0 : ms;
}

/** A namespaced object's body and metadata with its name and namespace; null when either is missing (nothing to key it by). */
export function namespacedObject(raw: unknown): { readonly obj: Json; readonly metadata: Json; readonly name: string; readonly namespace: string } | null {
  const obj = asObject(raw);
  const metadata = asObject(obj['metadata']);
  const name = asString(metadata['name']);
  const namespace = asString(metadata['namespace']);
  return name === undefined || namespace === undefined ? null : { obj, metadata, name, namespace };
}

/** metadata.deletionTimestamp is set: the object is being deleted (finalizers may keep it a while). */
export const isDeleting = (metadata: Json): boolean => metadata['deletionTimestamp'] !== undefined && metadata['deletionTimestamp'] !== null;
