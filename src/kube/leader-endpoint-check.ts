import { DiscoveryV1Api, type KubeConfig, type V1EndpointSlice } from '@kubernetes/client-node';
import { statusCodeOf } from './kube-errors.js';
import { makeKubeClient } from './kube-client.js';

export type EndpointVerdict = { readonly trusted: true } | { readonly trusted: false; readonly why: string };

/**
 * Decides whether a follower may send a webhook to the endpoint a Lease names. Anyone who can
 * write the Lease can write the annotation, so the annotation alone proves nothing.
 */
export type LeaderEndpointCheck = (holder: string, endpoint: string) => Promise<EndpointVerdict>;

export interface EndpointSliceCheckOptions {
  readonly kubeConfig: KubeConfig;
  /** The controller's own namespace (where its Service and Lease live). */
  readonly namespace: string;
  /** The controller's Service; its EndpointSlices carry the label kubernetes.io/service-name. */
  readonly serviceName: string;
}

/** An address in one spelling, so `[2001:DB8::1]` and `2001:db8:0::1` compare equal (the URL parser canonicalises). */
function canonicalHost(address: string): string | null {
  try {
    return new URL(`http://${address.includes(':') && !address.startsWith('[') ? `[${address}]` : address}/`).hostname;
  } catch {
    return null;
  }
}

/**
 * Trusts an endpoint only when it is an address and port of the controller's own Service,
 * published by the EndpointSlice controller for the very pod the Lease names as holder.
 * Writing EndpointSlices is a right the kube-controller-manager holds, not one the Lease's
 * writers need, so a forged Lease cannot point the followers at a listener of its choice.
 */
export function createEndpointSliceCheck(options: EndpointSliceCheckOptions): LeaderEndpointCheck {
  const api = makeKubeClient(options.kubeConfig, DiscoveryV1Api);
  const service = `${options.namespace}/${options.serviceName}`;
  return async (holder, endpoint) => {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      return { trusted: false, why: 'the endpoint is not a URL' };
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return { trusted: false, why: `scheme ${url.protocol} is not http or https` };
    if (url.username !== '' || url.password !== '' || (url.pathname !== '/' && url.pathname !== '') || url.search !== '') {
      return { trusted: false, why: 'the endpoint carries more than scheme, address and port' };
    }
    const host = url.hostname;
    const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    let slices: readonly V1EndpointSlice[];
    try {
      const list = await api.listNamespacedEndpointSlice({
        namespace: options.namespace,
        labelSelector: `kubernetes.io/service-name=${options.serviceName}`,
      });
      slices = list.items;
    } catch (error) {
      const status = statusCodeOf(error);
      return { trusted: false, why: `cannot read the EndpointSlices of Service ${service} (${status === undefined ? 'no answer' : `HTTP ${status}`})` };
    }
    let holderSeen = false;
    for (const slice of slices) {
      const ports = new Set((slice.ports ?? []).map((p) => p.port));
      for (const ep of slice.endpoints ?? []) {
        const ref = ep.targetRef;
        if (ref?.kind !== 'Pod' || ref.name !== holder || (ref.namespace !== undefined && ref.namespace !== options.namespace)) continue;
        holderSeen = true;
        if (!ep.addresses.some((a) => canonicalHost(a) === host)) continue;
        if (ports.has(port)) return { trusted: true };
      }
    }
    return {
      trusted: false,
      why: holderSeen
        ? `${host}:${port} is not an address and port of pod ${holder} in Service ${service}`
        : `pod ${holder} has no endpoint in Service ${service}`,
    };
  };
}
