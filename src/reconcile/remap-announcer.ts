import { failoverIPKey, type FailoverIPObject } from '../core/model.js';
import type { Logger } from '../ports/logger.js';
import type { RecordEvent } from './event-recorder.js';
import type { ServerRemap } from './server-directory.js';

/**
 * Tells, once per FailoverIP, node and server found, that a node was left out because its
 * server changed since it was pinned (reason server-remapped): a Warning Event on the
 * FailoverIP and a log line, with the command that confirms the new server. A remap that ends
 * (the pin removed, the node back on its server) is forgotten, so a new one is told again.
 */
export class RemapAnnouncer {
  #told = new Set<string>();
  #seen = new Set<string>();

  constructor(
    private readonly recordEvent: RecordEvent,
    private readonly logger: Logger,
  ) {}

  /** Call once per FailoverIP per pass, as leader; `pinKey` is the annotation to remove to confirm. */
  announce(fip: FailoverIPObject, remapped: ReadonlyMap<string, ServerRemap>, pinKey: string): void {
    for (const remap of remapped.values()) {
      const id = `${failoverIPKey(fip)}\u0000${remap.node}\u0000${remap.found}`;
      this.#seen.add(id);
      if (this.#told.has(id)) continue;
      this.#told.add(id);
      const via = remap.source === 'provider-id' ? 'its spec.providerID' : 'its addresses';
      const message = `node ${remap.node} is not eligible: ${via} now lead to server ${remap.found}, but ipshift pinned server ${remap.pinned}; if the change is right, confirm it with: kubectl annotate node ${remap.node} ${pinKey}-`;
      this.logger.warn('node not eligible: its provider server changed since it was pinned', {
        reason: 'server-remapped',
        failoverIP: failoverIPKey(fip),
        node: remap.node,
        pinned: remap.pinned,
        found: remap.found,
        source: remap.source,
      });
      this.recordEvent(fip, 'Warning', 'server-remapped', message);
    }
  }

  /** Call after the pass: remaps not seen in it are over. */
  endPass(): void {
    for (const id of this.#told) if (!this.#seen.has(id)) this.#told.delete(id);
    this.#seen = new Set();
  }
}
