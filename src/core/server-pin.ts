import type { ProviderType } from './model.js';

/**
 * The annotation in which the controller pins the provider server it found for a node from the
 * node's own word (spec.providerID, status.addresses): `ipshift.dev/server-pin.<provider>`.
 * One per provider type, as server ids are per provider. A node may not write it (the node
 * admission policy); the controller may write nothing else on a Node besides the holder label.
 */
export const SERVER_PIN_PREFIX = 'ipshift.dev/server-pin.';

export const serverPinKey = (provider: ProviderType): string => `${SERVER_PIN_PREFIX}${provider}`;
