/** How the FailoverIP custom resource is addressed (deploy/crd-failoverip.yaml defines it). */
export const FAILOVERIP_GROUP = 'ipshift.dev';
export const FAILOVERIP_VERSION = 'v1alpha1';
export const FAILOVERIP_PLURAL = 'failoverips';
export const FAILOVERIP_KIND = 'FailoverIP';
export const FAILOVERIP_API_VERSION = `${FAILOVERIP_GROUP}/${FAILOVERIP_VERSION}`;
