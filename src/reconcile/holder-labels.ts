import { holderLabelChanges, holderLabelKey, HOLDER_LABEL_VALUE, type HolderLabelWant } from '../core/holder-label.js';
import { failoverIPKey, type FailoverIPObject, type NodeFacts } from '../core/model.js';
import type { ClusterWriter } from '../ports/cluster.js';
import type { Logger } from '../ports/logger.js';
import type { FailoverIPMemory } from './failover-ip-state.js';

/**
 * Keeps the holder labels (spec.holderLabel, src/core/holder-label.ts) on the nodes that hold
 * the IP. The order around a move: the target is labelled BEFORE the provider is asked (so an
 * egress gateway or a scheduler sees the new holder no later than the traffic does); the old
 * holder keeps its label until the move has succeeded and the next pass removes it. A failed
 * move rolls the target's label back on that pass: the label follows the provider's routing as
 * last read, plus the target of the move in flight, and nothing else.
 *
 * A label write that fails never holds up a move (the IP matters more than the label); it is
 * logged and the next pass tries again. On start (and on every pass) a label on a node that no
 * longer holds, or of a FailoverIP that no longer asks for it, is removed, once the provider's
 * routing has been read.
 */
export class HolderLabels {
  /** FailoverIP key → the node a move in flight routes it to. */
  readonly #moving = new Map<string, string>();
  /** `node\0key` of writes on their way (one at a time per label). */
  readonly #pending = new Set<string>();

  constructor(
    private readonly writer: ClusterWriter,
    private readonly logger: Logger,
  ) {}

  /** Labels the move's target; resolves once the write landed or failed (never rejects). */
  async beforeMove(fip: FailoverIPObject, target: string): Promise<void> {
    const key = fip.spec.holderLabel === true ? holderLabelKey(fip.name) : null;
    if (key === null) return;
    this.#moving.set(failoverIPKey(fip), target);
    await this.#write(target, key, HOLDER_LABEL_VALUE, fip);
  }

  /** The move is over (whatever its outcome); the next sync brings the labels to the routing read. */
  moveEnded(fip: FailoverIPObject): void {
    this.#moving.delete(failoverIPKey(fip));
  }

  /** As leader, on every pass: writes what differs (without waiting for it). */
  sync(nodes: readonly NodeFacts[], failoverIPs: ReadonlyArray<{ readonly object: FailoverIPObject; readonly memory: FailoverIPMemory }>): void {
    const wants: HolderLabelWant[] = [];
    const owners = new Map<string, FailoverIPObject>();
    for (const { object, memory } of failoverIPs) {
      const key = object.spec.holderLabel === true ? holderLabelKey(object.name) : null;
      if (key === null) continue;
      owners.set(key, object);
      const moving = this.#moving.get(failoverIPKey(object));
      const holders = new Set<string>();
      if (memory.assignedNode !== null) holders.add(memory.assignedNode);
      if (moving !== undefined) holders.add(moving);
      wants.push({ key, holders: memory.routingReadAt === null && moving === undefined ? null : holders });
    }
    for (const change of holderLabelChanges(nodes, wants)) {
      if (this.#pending.has(`${change.node}\u0000${change.key}`)) continue;
      void this.#write(change.node, change.key, change.value, owners.get(change.key));
    }
  }

  async #write(node: string, key: string, value: string | null, fip: FailoverIPObject | undefined): Promise<void> {
    const id = `${node}\u0000${key}`;
    this.#pending.add(id);
    try {
      await this.writer.patchNodeMetadata(node, { labels: { [key]: value } });
      this.logger.info(value === null ? 'holder label removed' : 'holder label set', {
        node,
        label: key,
        ...(fip === undefined ? {} : { failoverIP: failoverIPKey(fip) }),
      });
    } catch (error) {
      this.logger.warn(value === null ? 'removing the holder label failed' : 'setting the holder label failed', {
        node,
        label: key,
        ...(fip === undefined ? {} : { failoverIP: failoverIPKey(fip) }),
        err: error,
      });
    } finally {
      this.#pending.delete(id);
    }
  }
}
