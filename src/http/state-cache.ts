import type { ReconcileSnapshot } from '../reconcile/reconciler.js';
import { redactAccountIds } from '../logging/redact.js';
import { buildState, type State, type StateSources } from './state.js';

export interface CachedState {
  /**
   * The JSON body of GET /api/v1/state, encoded once: every reader is sent these same bytes
   * (a string would be encoded into a new buffer per response, one copy per concurrent reader).
   */
  readonly json: Buffer;
  /** Rendered once per state, on the first request for it (and only then parsed back). */
  html(render: (state: State) => string): Buffer;
}

export interface StateCacheSources extends StateSources {
  /** Changes whenever the set of active alerts (or their staleness) changes. */
  readonly alertRevision: () => number;
}

/**
 * The state document, built from the reconcile snapshot and the alert view at most once per
 * change and once per second, whatever the number of readers: building it costs work in
 * proportion to the alerts, and /api/v1/state may be read by anyone who can reach the port.
 * Provider error text in it is redacted of account identifiers.
 */
export function createStateCache(sources: StateCacheSources): { get(): CachedState } {
  let key: { snapshot: ReconcileSnapshot; revision: number; second: number; leader: boolean } | null = null;
  let cached: CachedState | null = null;
  return {
    get() {
      const snapshot = sources.snapshot();
      const revision = sources.alertRevision();
      const second = Math.floor(sources.now() / 1000);
      const leader = sources.isLeader();
      if (cached !== null && key !== null && key.snapshot === snapshot && key.revision === revision && key.second === second && key.leader === leader) {
        return cached;
      }
      const text = redactAccountIds(JSON.stringify(buildState(sources)));
      const json = Buffer.from(text, 'utf8');
      let html: Buffer | undefined;
      key = { snapshot, revision, second, leader };
      // The page renders from the redacted document, so it shows nothing the JSON does not.
      cached = { json, html: (render) => (html ??= Buffer.from(render(JSON.parse(text) as State), 'utf8')) };
      return cached;
    },
  };
}
