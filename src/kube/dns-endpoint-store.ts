import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import type { DnsRecord, RecordType } from '../core/dns-records.js';
import { IpshiftError, transientError } from '../errors.js';
import type { KubeMetrics, KubeOperation } from '../metrics/kube-metrics.js';
import type { Clock } from '../ports/clock.js';
import type { DnsEndpointStore, DnsEndpointWrite, ManagedDnsEndpoint } from '../ports/dns-endpoints.js';
import { FAILOVERIP_API_VERSION, FAILOVERIP_KIND } from './crd.js';
import { makeKubeClient } from './kube-client.js';
import { classifyKubeError, statusCodeOf } from './kube-errors.js';
import { asObject } from './json-fields.js';

/** external-dns's CRD source (docs/dns.md): `--crd-source-apiversion` and `--crd-source-kind`. */
export const DNSENDPOINT_GROUP = 'externaldns.k8s.io';
export const DNSENDPOINT_VERSION = 'v1alpha1';
export const DNSENDPOINT_PLURAL = 'dnsendpoints';
export const DNSENDPOINT_KIND = 'DNSEndpoint';

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const FAILOVER_IP_LABEL = 'ipshift.dev/failover-ip';
export const HOLDER_ANNOTATION = 'ipshift.dev/holder';

const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export interface KubeDnsEndpointStoreOptions {
  readonly kubeConfig: KubeConfig;
  readonly clock: Clock;
  readonly metrics: KubeMetrics;
  /** The uid of a FailoverIP (the cluster view knows it): the ownerReference needs it. */
  readonly uidOf: (namespace: string, name: string) => string | undefined;
  readonly deadlineMs?: number;
}

const RECORD_TYPES: readonly string[] = ['A', 'AAAA'];

/** spec.endpoints as written by ipshift; anything else in the list is dropped, so a hand edit reads as a difference. */
function readEndpoints(spec: unknown): DnsRecord[] {
  const list = asObject(spec)['endpoints'];
  if (!Array.isArray(list)) return [];
  const records: DnsRecord[] = [];
  for (const item of list) {
    const e = asObject(item);
    const targets = Array.isArray(e['targets']) ? e['targets'].filter((t): t is string => typeof t === 'string') : [];
    if (typeof e['dnsName'] !== 'string' || typeof e['recordType'] !== 'string' || !RECORD_TYPES.includes(e['recordType'])) continue;
    const ttl = e['recordTTL'];
    records.push({
      dnsName: e['dnsName'],
      recordType: e['recordType'] as RecordType,
      targets,
      ...(typeof ttl === 'number' && ttl > 0 ? { recordTTL: ttl } : {}),
    });
  }
  return records;
}

/**
 * The DNSEndpoint objects through the API server. A 404 on the collection means the API server
 * does not serve the resource: the CRD is not installed (`crd-missing`).
 */
export function createKubeDnsEndpointStore(options: KubeDnsEndpointStoreOptions): DnsEndpointStore {
  const custom = makeKubeClient(options.kubeConfig, CustomObjectsApi, options.deadlineMs);
  const where = { group: DNSENDPOINT_GROUP, version: DNSENDPOINT_VERSION, plural: DNSENDPOINT_PLURAL };

  const fail = (operation: KubeOperation, error: unknown, collection: boolean): IpshiftError => {
    options.metrics.apiError(operation);
    if (collection && statusCodeOf(error) === 404) {
      return new IpshiftError(
        'terminal',
        `kubernetes ${operation}: the API server does not serve ${DNSENDPOINT_PLURAL}.${DNSENDPOINT_GROUP} (CRD not installed)`,
        {
          code: 'crd-missing',
          cause: error,
        },
      );
    }
    if (operation === 'create_dnsendpoint' && statusCodeOf(error) === 409) {
      return new IpshiftError('terminal', `kubernetes ${operation}: a DNSEndpoint of that name exists and is not ipshift's`, { code: 'exists', cause: error });
    }
    return classifyKubeError(error, operation, options.clock.now());
  };

  const body = (endpoint: DnsEndpointWrite, uid: string) => ({
    apiVersion: `${DNSENDPOINT_GROUP}/${DNSENDPOINT_VERSION}`,
    kind: DNSENDPOINT_KIND,
    metadata: {
      name: endpoint.name,
      namespace: endpoint.namespace,
      labels: { [MANAGED_BY_LABEL]: 'ipshift', [FAILOVER_IP_LABEL]: endpoint.failoverIP },
      annotations: { [HOLDER_ANNOTATION]: endpoint.holder ?? '' },
      // Garbage-collected with its FailoverIP. blockOwnerDeletion stays off: it would need
      // `update` on failoverips/finalizers where OwnerReferencesPermissionEnforcement runs.
      ownerReferences: [
        { apiVersion: FAILOVERIP_API_VERSION, kind: FAILOVERIP_KIND, name: endpoint.failoverIP, uid, controller: true, blockOwnerDeletion: false },
      ],
    },
    spec: { endpoints: endpoint.endpoints.map((e) => ({ ...e, targets: [...e.targets] })) },
  });

  const uidFor = (endpoint: DnsEndpointWrite): string => {
    const uid = options.uidOf(endpoint.namespace, endpoint.failoverIP);
    if (uid === undefined || uid === '')
      throw transientError(`the uid of FailoverIP ${endpoint.namespace}/${endpoint.failoverIP} is not known yet`, 'uid-unknown');
    return uid;
  };

  return {
    async list(namespace): Promise<ManagedDnsEndpoint[]> {
      let answer: unknown;
      try {
        answer = await custom.listNamespacedCustomObject({ ...where, namespace, labelSelector: `${MANAGED_BY_LABEL}=ipshift,${FAILOVER_IP_LABEL}` });
      } catch (error) {
        throw fail('list_dnsendpoints', error, true);
      }
      const items = asObject(answer)['items'];
      const found: ManagedDnsEndpoint[] = [];
      for (const item of Array.isArray(items) ? items : []) {
        const metadata = asObject(asObject(item)['metadata']);
        const labels = asObject(metadata['labels']);
        const name = metadata['name'];
        const failoverIP = labels[FAILOVER_IP_LABEL];
        if (typeof name !== 'string' || typeof failoverIP !== 'string') continue;
        const holder = asObject(metadata['annotations'])[HOLDER_ANNOTATION];
        found.push({
          namespace,
          name,
          failoverIP,
          holder: typeof holder === 'string' && holder !== '' ? holder : null,
          endpoints: readEndpoints(asObject(item)['spec']),
        });
      }
      return found;
    },

    async create(endpoint) {
      const uid = uidFor(endpoint);
      try {
        await custom.createNamespacedCustomObject({ ...where, namespace: endpoint.namespace, body: body(endpoint, uid) });
      } catch (error) {
        throw fail('create_dnsendpoint', error, true);
      }
    },

    async update(endpoint) {
      const uid = uidFor(endpoint);
      const { metadata, spec } = body(endpoint, uid);
      try {
        await custom.patchNamespacedCustomObject(
          {
            ...where,
            namespace: endpoint.namespace,
            name: endpoint.name,
            body: { metadata: { labels: metadata.labels, annotations: metadata.annotations, ownerReferences: metadata.ownerReferences }, spec },
          },
          MERGE_PATCH,
        );
      } catch (error) {
        throw fail('patch_dnsendpoint', error, false);
      }
    },

    async delete(namespace, name) {
      try {
        await custom.deleteNamespacedCustomObject({ ...where, namespace, name });
      } catch (error) {
        if (statusCodeOf(error) === 404) return;
        throw fail('delete_dnsendpoint', error, false);
      }
    },
  };
}
