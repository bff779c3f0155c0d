import type { NodeFacts } from './model.js';

/**
 * The holder label (spec.holderLabel): `ipshift.dev/holds-<FailoverIP name>=true` on the node
 * that holds the IP, for what must follow the IP: a Cilium egress gateway's nodeSelector, node
 * affinity. The key carries the name only (a label key's name part has 63 characters, a
 * namespace and a name do not fit both), so two FailoverIPs of one name in two namespaces
 * share it: the label then marks the holders of either.
 */
export const HOLDER_LABEL_PREFIX = 'ipshift.dev/holds-';
export const HOLDER_LABEL_VALUE = 'true';
/** 63 (a label name) minus `holds-`. */
export const MAX_HOLDER_LABEL_NAME = 63 - 'holds-'.length;

/** The CRD's rule (root level, where metadata.name is visible): the key must be a valid label key. */
export const HOLDER_LABEL_CEL_RULE = {
  rule: `!has(self.spec.holderLabel) || !self.spec.holderLabel || size(self.metadata.name) <= ${MAX_HOLDER_LABEL_NAME}`,
  message: `spec.holderLabel needs a FailoverIP name of at most ${MAX_HOLDER_LABEL_NAME} characters (the label key is ${HOLDER_LABEL_PREFIX}<name>)`,
};

const LABEL_NAME = /^[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/;

/** The label key of a FailoverIP, or null when its name cannot make one (too long, no admission in front). */
export function holderLabelKey(fipName: string): string | null {
  const name = `holds-${fipName}`;
  return name.length <= 63 && LABEL_NAME.test(name) ? `ipshift.dev/${name}` : null;
}

/** One FailoverIP with the holder label on, as the sync sees it. */
export interface HolderLabelWant {
  readonly key: string;
  /**
   * The nodes that should carry the label: the holder as last read from the provider, plus the
   * target of a move in flight (labelled before the move, the old holder unlabelled after it).
   * null = not known yet (the provider was not read): its labels are left as they are.
   */
  readonly holders: ReadonlySet<string> | null;
}

export interface LabelChange {
  readonly node: string;
  readonly key: string;
  /** The value to set, or null to remove the label. */
  readonly value: string | null;
}

/**
 * The label writes that bring the nodes to what is wanted. Every `ipshift.dev/holds-` label
 * is ipshift's: one that no FailoverIP wants (the FailoverIP is gone, its holderLabel was
 * turned off, the node no longer holds it) is removed, whoever set it.
 */
export function holderLabelChanges(nodes: readonly NodeFacts[], wants: readonly HolderLabelWant[]): LabelChange[] {
  const byKey = new Map<string, { holders: Set<string> | null }>();
  for (const want of wants) {
    const entry = byKey.get(want.key) ?? { holders: new Set<string>() };
    // Two FailoverIPs sharing a key: unknown wins (nothing is removed while one is unread).
    entry.holders = entry.holders === null || want.holders === null ? null : new Set([...entry.holders, ...want.holders]);
    byKey.set(want.key, entry);
  }
  const changes: LabelChange[] = [];
  const byName = new Map<string, NodeFacts>();
  for (const node of nodes) {
    byName.set(node.name, node);
    // for-in, not Object.entries: this runs over every label of every node on each pass.
    for (const key in node.labels) {
      if (!key.startsWith(HOLDER_LABEL_PREFIX)) continue;
      const value = node.labels[key];
      const entry = byKey.get(key);
      if (entry === undefined || (entry.holders !== null && !entry.holders.has(node.name))) changes.push({ node: node.name, key, value: null });
      else if (value !== HOLDER_LABEL_VALUE) changes.push({ node: node.name, key, value: HOLDER_LABEL_VALUE });
    }
  }
  for (const [key, entry] of byKey) {
    for (const holder of entry.holders ?? []) {
      const node = byName.get(holder);
      if (node !== undefined && node.labels[key] === undefined) changes.push({ node: holder, key, value: HOLDER_LABEL_VALUE });
    }
  }
  return changes;
}
