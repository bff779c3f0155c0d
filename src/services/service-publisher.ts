import { failoverIPKey, type FailoverIPObject } from '../core/model.js';
import type { ServiceReason } from '../core/reasons.js';
import type { EventType } from '../ports/cluster.js';
import type { Logger } from '../ports/logger.js';
import { oncePerCause, type OncePerCause } from '../logging/once-per-cause.js';
import type { ServiceView, ServiceWriter } from '../ports/services.js';
import type { ReconcileSnapshot } from '../reconcile/reconciler.js';
import { bindServices, type Bindings, type Claim } from './service-binding.js';
import { sameIngress, serviceKey, type LoadBalancerIngress, type ServiceFacts } from './load-balancer-service.js';

/** What ipshift last said on one Service (so each Event is told once, not once per pass). */
interface Told {
  failoverIP: string | null;
  holder: string | null;
  refusal: string | null;
}

/** One LoadBalancer Service as the state document and the status page show it. */
export interface ServiceState {
  readonly namespace: string;
  readonly name: string;
  readonly failoverIP: string | null;
  readonly addresses: readonly string[];
  readonly externalTrafficPolicy: 'Local' | 'Cluster';
  /** Nodes with a ready endpoint (null: not listed yet, or not needed with policy Cluster). */
  readonly readyEndpointNodes: readonly string[] | null;
  readonly holder: string | null;
  /** Why the Service has no address, when it has none. */
  readonly problem: string | null;
}

export interface ServicePublisherDeps {
  readonly view: ServiceView;
  readonly writer: ServiceWriter;
  readonly logger: Logger;
}

const NO_BINDINGS: Bindings = { claims: [], byFailoverIP: new Map(), stale: [] };
const idOf = (s: ServiceFacts): string => (s.uid === '' ? serviceKey(s) : s.uid);
const shown = (ingress: readonly LoadBalancerIngress[]): string => ingress.map((e) => e.ip).join(', ');

/**
 * The LoadBalancer Services around each decision pass: before it, `bind` decides which
 * FailoverIP serves which Service (service-binding.ts) and `readyEndpointNodes` hands the pass
 * its eligibility constraint (the core decides, as for every other move); after it, `publish`
 * makes each Service say what the pass found: its addresses in status.loadBalancer.ingress, an
 * Event naming the holder whenever it changes, a Warning for a claim that cannot be served,
 * and the status cleared where ipshift's claim ended. Only the leader writes.
 */
export class ServicePublisher {
  readonly #deps: ServicePublisherDeps;
  #bindings: Bindings = NO_BINDINGS;
  readonly #told = new Map<string, Told>();
  /** Services with a status write in flight: not written again until it lands. */
  readonly #writing = new Set<string>();
  /**
   * The last write per Service and the status it replaced: until the watch shows the new status,
   * the view still shows the old one, and that is no reason to write (and announce) it again.
   */
  readonly #written = new Map<string, { readonly wrote: string; readonly over: string }>();
  #state: readonly ServiceState[] = [];
  readonly #eventFailures: OncePerCause;

  constructor(deps: ServicePublisherDeps) {
    this.#deps = deps;
    this.#eventFailures = oncePerCause(deps.logger, {
      failing: 'could not record an Event on a Service; further failures with the same cause are not logged',
      recovered: 'recording Events on Services works again',
    });
  }

  bind(fips: readonly FailoverIPObject[]): void {
    this.#bindings = bindServices(this.#deps.view.services(), fips);
  }

  /** The pass's constraint for one FailoverIP: undefined unless it serves a Service with externalTrafficPolicy Local. */
  readyEndpointNodes(failoverIP: string): ReadonlySet<string> | undefined {
    const service = this.#bindings.byFailoverIP.get(failoverIP);
    if (service === undefined || service.externalTrafficPolicy !== 'Local') return undefined;
    return this.#deps.view.readyEndpointNodes(service.namespace, service.name);
  }

  state(): readonly ServiceState[] {
    return this.#state;
  }

  publish(snapshot: ReconcileSnapshot, leader: boolean): void {
    const nodes = new Set(snapshot.nodes.map((n) => n.name));
    const holders = new Map(
      snapshot.failoverIPs.map(({ object, memory }) => [
        failoverIPKey(object),
        memory.assignedNode !== null && nodes.has(memory.assignedNode) ? memory.assignedNode : null,
      ]),
    );
    const { claims, stale } = this.#bindings;
    this.#state = claims.map((claim) => this.#stateOf(claim, holders));
    const seen = new Set([...claims.map((c) => idOf(c.service)), ...stale.map(idOf)]);
    for (const id of [...this.#told.keys()]) if (!seen.has(id)) this.#told.delete(id);
    for (const id of [...this.#written.keys()]) if (!seen.has(id)) this.#written.delete(id);
    if (!leader) return;
    for (const claim of claims) {
      if (claim.kind === 'bound') this.#publishBound(claim, holders.get(claim.failoverIP) ?? null);
      else this.#publishRefused(claim);
    }
    for (const service of stale) this.#clear(service, 'the Service is no longer of type LoadBalancer');
  }

  #stateOf(claim: Claim, holders: ReadonlyMap<string, string | null>): ServiceState {
    const { service } = claim;
    const endpoints = service.externalTrafficPolicy === 'Local' ? this.#deps.view.readyEndpointNodes(service.namespace, service.name) : undefined;
    return {
      namespace: service.namespace,
      name: service.name,
      failoverIP: claim.kind === 'bound' ? claim.failoverIP : null,
      addresses: claim.kind === 'bound' ? claim.ingress.map((e) => e.ip) : [],
      externalTrafficPolicy: service.externalTrafficPolicy,
      readyEndpointNodes: endpoints === undefined ? null : [...endpoints].sort(),
      holder: claim.kind === 'bound' ? (holders.get(claim.failoverIP) ?? null) : null,
      problem: claim.kind === 'refused' ? claim.message : null,
    };
  }

  #tell(service: ServiceFacts): Told {
    let told = this.#told.get(idOf(service));
    if (told === undefined) {
      told = { failoverIP: null, holder: null, refusal: null };
      this.#told.set(idOf(service), told);
    }
    return told;
  }

  #publishBound(claim: Extract<Claim, { kind: 'bound' }>, holder: string | null): void {
    const { service } = claim;
    const told = this.#tell(service);
    told.refusal = null;
    const addresses = shown(claim.ingress);
    if (told.failoverIP !== claim.failoverIP) {
      told.failoverIP = claim.failoverIP;
      told.holder = null;
    }
    if (!sameIngress(service.ingress, claim.ingress)) {
      // The holder is told once the Service shows the address: the Events read in order.
      this.#write(service, claim.ingress, 'address-assigned', `assigned ${addresses} from FailoverIP ${claim.failoverIP}`);
      return;
    }
    if (holder !== null && holder !== told.holder) {
      const from = told.holder === null ? '' : ` (was ${told.holder})`;
      told.holder = holder;
      this.#event(service, 'Normal', 'node-assigned', `${addresses} (FailoverIP ${claim.failoverIP}) is on node ${holder}${from}`);
    }
  }

  #publishRefused(claim: Extract<Claim, { kind: 'refused' }>): void {
    const { service } = claim;
    const told = this.#tell(service);
    told.failoverIP = null;
    told.holder = null;
    if (told.refusal !== claim.message) {
      told.refusal = claim.message;
      this.#deps.logger.warn('LoadBalancer Service not served', { service: serviceKey(service), reason: claim.reason, message: claim.message });
      this.#event(service, 'Warning', claim.reason, claim.message);
    }
    if (service.ingress.length > 0) this.#clear(service, claim.message);
  }

  #clear(service: ServiceFacts, why: string): void {
    this.#write(service, [], 'address-released', `released ${shown(service.ingress)}: ${why}`);
  }

  /** One status write per Service at a time; the Event follows the write it reports. */
  #write(service: ServiceFacts, ingress: readonly LoadBalancerIngress[], reason: ServiceReason, message: string): void {
    const id = idOf(service);
    const wrote = JSON.stringify(ingress);
    const over = JSON.stringify(service.ingress);
    const last = this.#written.get(id);
    if (this.#writing.has(id) || (last !== undefined && last.wrote === wrote && last.over === over)) return;
    this.#writing.add(id);
    this.#written.set(id, { wrote, over });
    const { writer, logger } = this.#deps;
    writer
      .patchIngress(service.namespace, service.name, ingress)
      .then(
        () => {
          logger.info(reason === 'address-released' ? 'LoadBalancer Service released' : 'LoadBalancer Service assigned', {
            service: serviceKey(service),
            reason,
            message,
          });
          this.#event(service, 'Normal', reason, message);
        },
        (error: unknown) => {
          this.#written.delete(id);
          logger.warn('writing the status of a LoadBalancer Service failed', { service: serviceKey(service), err: error });
        },
      )
      .finally(() => this.#writing.delete(id));
  }

  /** Best effort, as every Event: a failure is logged once per cause. */
  #event(service: ServiceFacts, type: EventType, reason: ServiceReason, message: string): void {
    this.#deps.writer.recordEvent(service, type, reason, message).then(
      () => this.#eventFailures.succeeded(),
      (error: unknown) => this.#eventFailures.failed(error, { service: serviceKey(service), reason }),
    );
  }
}
