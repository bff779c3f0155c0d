import type { ConditionStatus, NodeFacts, Taint } from '../../src/core/model.js';

export interface NodeSpec {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  addresses?: string[];
  conditions?: Record<string, ConditionStatus>;
  taints?: Taint[];
  unschedulable?: boolean;
  deleting?: boolean;
  /** Drop the Ready condition entirely. */
  noReady?: boolean;
}

/** A healthy, Ready node unless told otherwise. */
export function nodeFacts(name: string, spec: NodeSpec = {}): NodeFacts {
  const conditions: Record<string, ConditionStatus> = { Ready: 'True', ...spec.conditions };
  if (spec.noReady === true) delete conditions['Ready'];
  return {
    name,
    labels: { 'kubernetes.io/hostname': name, ...spec.labels },
    annotations: spec.annotations ?? {},
    addresses: spec.addresses ?? [],
    conditions,
    taints: spec.taints ?? [],
    unschedulable: spec.unschedulable ?? false,
    deleting: spec.deleting ?? false,
  };
}

/** A small deterministic PRNG (mulberry32) for seeded randomized tests. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}
