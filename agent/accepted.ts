import { failoverIPKey, type FailoverIPObject } from '../src/core/model.js';

/**
 * The controller accepted this generation of the FailoverIP: its Accepted condition is True
 * and was computed for metadata.generation. Until then the spec is only a wish of whoever
 * wrote it (the agent is root on every node; the controller validates the spec first).
 */
export function acceptedForGeneration(fip: FailoverIPObject): boolean {
  const accepted = fip.status.conditions?.find((c) => c.type === 'Accepted');
  return accepted?.status === 'True' && accepted.observedGeneration === fip.generation;
}

export interface AcceptedView {
  /** What the agent acts on: accepted FailoverIPs, and pending ones as of their last accepted spec. */
  readonly use: readonly FailoverIPObject[];
  /** `namespace/name` (generation N) of FailoverIPs the controller has not accepted. */
  readonly waiting: readonly { readonly key: string; readonly generation: number; readonly heldFromGeneration: number | null }[];
  /** The last accepted spec per FailoverIP, for the next pass. */
  readonly memory: ReadonlyMap<string, FailoverIPObject>;
}

/**
 * Filters the FailoverIPs to what the controller accepted. A FailoverIP whose new generation is
 * not accepted yet (the controller reconciles it within moments) keeps its last accepted spec,
 * with the current status (the controller writes status), so a harmless edit never takes the
 * addresses off the nodes meanwhile and a hostile one never adds any. One refused outright
 * (Accepted=False for this generation) or never accepted is not acted on at all.
 * Pure: `memory` comes from the previous pass.
 */
export function acceptedFailoverIPs(current: readonly FailoverIPObject[], memory: ReadonlyMap<string, FailoverIPObject>): AcceptedView {
  const use: FailoverIPObject[] = [];
  const waiting: { key: string; generation: number; heldFromGeneration: number | null }[] = [];
  const next = new Map<string, FailoverIPObject>();
  for (const fip of current) {
    const key = failoverIPKey(fip);
    if (acceptedForGeneration(fip)) {
      use.push(fip);
      next.set(key, fip);
      continue;
    }
    const condition = fip.status.conditions?.find((c) => c.type === 'Accepted');
    const refused = condition?.status === 'False' && condition.observedGeneration === fip.generation;
    const previous = refused ? undefined : memory.get(key);
    if (previous !== undefined) {
      use.push({ ...previous, status: fip.status });
      next.set(key, previous);
    }
    waiting.push({ key, generation: fip.generation, heldFromGeneration: previous?.generation ?? null });
  }
  return { use, waiting, memory: next };
}
