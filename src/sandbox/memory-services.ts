import { kubeReason } from '../core/kube-reason.js';
import { Listeners } from '../listeners.js';
import type { EventType } from '../ports/cluster.js';
import type { ServiceView, ServiceWriter } from '../ports/services.js';
import { serviceKey, type LoadBalancerIngress, type ServiceFacts } from '../services/load-balancer-service.js';
import type { RecordedEvent } from './memory-cluster.js';

/** In-process Services and their ready endpoints: the sandbox's, and the fake behind in-process tests. */
export class MemoryServices implements ServiceView, ServiceWriter {
  readonly #services = new Map<string, ServiceFacts>();
  readonly #endpoints = new Map<string, ReadonlySet<string>>();
  readonly #listeners = new Listeners<'service' | 'endpoints'>();
  readonly events: RecordedEvent[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  services(): readonly ServiceFacts[] {
    return [...this.#services.values()];
  }

  readyEndpointNodes(namespace: string, name: string): ReadonlySet<string> | undefined {
    return this.#endpoints.get(`${namespace}/${name}`) ?? new Set();
  }

  onChange(listener: (change: 'service' | 'endpoints') => void): () => void {
    return this.#listeners.add(listener);
  }

  setService(service: ServiceFacts): void {
    this.#services.set(serviceKey(service), service);
    this.#emit('service');
  }

  getService(namespace: string, name: string): ServiceFacts | undefined {
    return this.#services.get(`${namespace}/${name}`);
  }

  setReadyEndpointNodes(namespace: string, name: string, nodes: readonly string[]): void {
    this.#endpoints.set(`${namespace}/${name}`, new Set(nodes));
    this.#emit('endpoints');
  }

  async patchIngress(namespace: string, name: string, ingress: readonly LoadBalancerIngress[]): Promise<void> {
    const service = this.#services.get(`${namespace}/${name}`);
    if (service !== undefined) this.setService({ ...service, ingress: [...ingress] });
  }

  async recordEvent(
    service: { namespace: string; name: string },
    type: EventType,
    reason: Parameters<ServiceWriter['recordEvent']>[2],
    message: string,
  ): Promise<void> {
    this.events.push({ namespace: service.namespace, name: service.name, type, reason: kubeReason(reason), message, at: this.now() });
    if (this.events.length > 500) this.events.shift();
  }

  #emit(change: 'service' | 'endpoints'): void {
    this.#listeners.notify(change);
  }
}
