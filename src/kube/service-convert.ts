import type { IPFamily, LoadBalancerIngress, ServiceFacts } from '../services/load-balancer-service.js';
import { asArray, asObject, asString, epochMs, isDeleting, namespacedObject, stringMap } from './json-fields.js';

/** Service and EndpointSlice API objects → the plain facts src/services reasons about (raw JSON or typed-client objects alike). */

export function toServiceFacts(raw: unknown): ServiceFacts | null {
  const object = namespacedObject(raw);
  if (object === null) return null;
  const { obj, metadata, name, namespace } = object;
  const spec = asObject(obj['spec']);
  const ingress: LoadBalancerIngress[] = [];
  for (const entry of asArray(asObject(asObject(obj['status'])['loadBalancer'])['ingress'])) {
    const ip = asString(asObject(entry)['ip']);
    const ipMode = asString(asObject(entry)['ipMode']);
    if (ip !== undefined) ingress.push(ipMode === 'VIP' || ipMode === 'Proxy' ? { ip, ipMode } : { ip });
  }
  const families = asArray(spec['ipFamilies']).filter((f): f is IPFamily => f === 'IPv4' || f === 'IPv6');
  return {
    namespace,
    name,
    uid: asString(metadata['uid']) ?? '',
    type: asString(spec['type']) ?? 'ClusterIP',
    loadBalancerClass: asString(spec['loadBalancerClass']),
    labels: stringMap(metadata['labels']),
    annotations: stringMap(metadata['annotations']),
    // The API server defaults it to Cluster for LoadBalancer and NodePort Services.
    externalTrafficPolicy: spec['externalTrafficPolicy'] === 'Local' ? 'Local' : 'Cluster',
    ipFamilies: families,
    ingress,
    createdAt: epochMs(metadata['creationTimestamp']),
    deleting: isDeleting(metadata),
  };
}

/** The label the EndpointSlice controller puts on each slice of a Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export interface EndpointSliceFacts {
  readonly namespace: string;
  readonly name: string;
  readonly service: string | undefined;
  /** nodeName of every endpoint whose conditions.ready is not false (the API: unset means ready). */
  readonly readyNodes: readonly string[];
}

export function toEndpointSliceFacts(raw: unknown): EndpointSliceFacts | null {
  const object = namespacedObject(raw);
  if (object === null) return null;
  const { obj, metadata, name, namespace } = object;
  const readyNodes = new Set<string>();
  for (const endpoint of asArray(obj['endpoints'])) {
    const nodeName = asString(asObject(endpoint)['nodeName']);
    if (nodeName !== undefined && asObject(asObject(endpoint)['conditions'])['ready'] !== false) readyNodes.add(nodeName);
  }
  return { namespace, name, service: stringMap(metadata['labels'])[SERVICE_NAME_LABEL], readyNodes: [...readyNodes].sort() };
}
