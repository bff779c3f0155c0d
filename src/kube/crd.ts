/** How the FailoverIP custom resource is addressed (scripts/crd.ts renders deploy/crd-failoverip.yaml with these). */
export const FAILOVERIP_GROUP = 'ipshift.dev';
export const FAILOVERIP_VERSION = 'v1alpha1';
export const FAILOVERIP_PLURAL = 'failoverips';
export const FAILOVERIP_KIND = 'FailoverIP';
export const FAILOVERIP_API_VERSION = `${FAILOVERIP_GROUP}/${FAILOVERIP_VERSION}`;
