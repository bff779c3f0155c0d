import { SERVER_ID_ANNOTATION, type NodeFacts, type ProviderType } from './model.js';

/** Where a node's provider server id came from (shown in state and logs). */
export type ServerIdSource = 'annotation' | 'provider-id' | 'node-name';

export interface ServerIdentity {
  readonly serverId: string;
  readonly source: ServerIdSource;
}

/**
 * spec.providerID schemes that name the provider's server id directly: a cloud server is
 * `hcloud://<id>`, a droplet `digitalocean://<id>`. Robot's `hrobot://<number>` names a
 * server number while Robot routes to the server's main IP: the Robot adapter's discovery
 * translates it.
 */
const PROVIDER_ID_PATTERNS: Readonly<Partial<Record<ProviderType, readonly RegExp[]>>> = {
  'hetzner-cloud': [/^hcloud:\/\/(\d+)$/],
  digitalocean: [/^digitalocean:\/\/(\d+)$/],
};

/**
 * The node's provider server, without any I/O, in the documented order: the annotation
 * ipshift.dev/server-id wins, then spec.providerID when its scheme belongs to this provider.
 * netcup has no providerID scheme: its discovery by address goes through the provider port.
 * dry-run has no servers, so the node name stands in. null = unknown here.
 */
export function nodeServerIdentity(node: Pick<NodeFacts, 'name' | 'annotations' | 'providerID'>, provider: ProviderType): ServerIdentity | null {
  const annotated = node.annotations[SERVER_ID_ANNOTATION]?.trim();
  if (annotated !== undefined && annotated !== '') return { serverId: annotated, source: 'annotation' };
  const providerID = node.providerID?.trim() ?? '';
  for (const pattern of PROVIDER_ID_PATTERNS[provider] ?? []) {
    const id = pattern.exec(providerID)?.[1];
    if (id !== undefined) return { serverId: id, source: 'provider-id' };
  }
  if (provider === 'dry-run') return { serverId: node.name, source: 'node-name' };
  return null;
}

export const nodeServerId = (node: Pick<NodeFacts, 'name' | 'annotations' | 'providerID'>, provider: ProviderType): string | null =>
  nodeServerIdentity(node, provider)?.serverId ?? null;
