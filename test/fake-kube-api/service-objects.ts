import type { KubeObject } from './store.js';

/** Builders for Services and their EndpointSlices, as the API server and the EndpointSlice controller write them. */

export interface ServiceInput {
  readonly namespace: string;
  readonly name: string;
  /** Default LoadBalancer. */
  readonly type?: string;
  /** Default ipshift.dev/failover-ip for a LoadBalancer Service; null: none. */
  readonly loadBalancerClass?: string | null;
  readonly externalTrafficPolicy?: 'Local' | 'Cluster';
  readonly annotations?: Record<string, string>;
  readonly labels?: Record<string, string>;
  readonly ports?: ReadonlyArray<{ name: string; port: number }>;
  readonly ipFamilies?: readonly string[];
  readonly creationTimestamp?: string;
  readonly status?: Record<string, unknown>;
}

export function makeService(input: ServiceInput): KubeObject {
  const type = input.type ?? 'LoadBalancer';
  const cls = input.loadBalancerClass === undefined ? (type === 'LoadBalancer' ? 'ipshift.dev/failover-ip' : null) : input.loadBalancerClass;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: input.name,
      namespace: input.namespace,
      labels: { ...input.labels },
      ...(input.annotations === undefined ? {} : { annotations: input.annotations }),
      ...(input.creationTimestamp === undefined ? {} : { creationTimestamp: input.creationTimestamp }),
    },
    spec: {
      type,
      selector: { app: input.name },
      clusterIP: '10.96.0.10',
      ipFamilies: [...(input.ipFamilies ?? ['IPv4'])],
      ports: (input.ports ?? [{ name: 'https', port: 443 }]).map((p) => ({ ...p, protocol: 'TCP', targetPort: p.port })),
      ...(cls === null ? {} : { loadBalancerClass: cls }),
      ...(type === 'LoadBalancer' || type === 'NodePort' ? { externalTrafficPolicy: input.externalTrafficPolicy ?? 'Cluster' } : {}),
    },
    ...(input.status === undefined ? {} : { status: input.status }),
  };
}

export interface EndpointSliceInput {
  readonly namespace: string;
  /** The Service the slice belongs to (label kubernetes.io/service-name). */
  readonly service: string;
  readonly name?: string;
  /**
   * One endpoint per entry: its pod (default SERVICE-i), its address (default 10.244.(i+1).10),
   * the node it runs on (none: no nodeName) and whether it is ready (default true).
   */
  readonly endpoints: ReadonlyArray<{ readonly pod?: string; readonly address?: string; readonly node?: string; readonly ready?: boolean }>;
  /** The slice's one port (default https 443). */
  readonly port?: { readonly name: string; readonly port: number };
}

/** An EndpointSlice of a Service's pods, as the EndpointSlice controller writes it. */
export function makeEndpointSlice(input: EndpointSliceInput): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: input.name ?? `${input.service}-slice`,
      namespace: input.namespace,
      labels: { 'kubernetes.io/service-name': input.service, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
    },
    addressType: 'IPv4',
    endpoints: input.endpoints.map((e, i) => ({
      addresses: [e.address ?? `10.244.${i + 1}.10`],
      conditions: { ready: e.ready !== false, serving: e.ready !== false, terminating: false },
      ...(e.node === undefined ? {} : { nodeName: e.node }),
      targetRef: { kind: 'Pod', namespace: input.namespace, name: e.pod ?? `${input.service}-${i}` },
    })),
    ports: [{ ...(input.port ?? { name: 'https', port: 443 }), protocol: 'TCP' }],
  };
}
