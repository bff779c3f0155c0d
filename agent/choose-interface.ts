import { PRIMARY_MAC_ANNOTATION, type NodeFacts } from '../src/core/model.js';
import { canonicalAddress } from '../src/core/address.js';
import { normaliseMac } from './eui64.js';
import type { Iface } from './ip-link.js';
import type { AddressOnInterface } from './reconcile-addresses.js';

export type InterfaceRule = 'primary-mac' | 'node-address' | 'configured';

export interface InterfaceChoice {
  readonly iface: Iface;
  readonly rule: InterfaceRule;
  /** Things an operator should fix, e.g. a primary-mac annotation that matches no interface. */
  readonly warnings: readonly string[];
}

export interface InterfaceChoiceFailure {
  readonly iface: null;
  readonly warnings: readonly string[];
}

/**
 * Which interface carries the failover addresses: the one whose MAC the node's
 * ipshift.dev/primary-mac annotation names, else the one holding one of the node's
 * InternalIP/ExternalIP addresses (in the order the Node lists them), else the configured one.
 * Addresses the agent added itself never count as the node's own (a failover IP may also be
 * listed as an ExternalIP), and loopback never qualifies.
 */
export function chooseInterface(
  node: NodeFacts,
  interfaces: readonly Iface[],
  configured: string | undefined,
  ledger: readonly AddressOnInterface[],
): InterfaceChoice | InterfaceChoiceFailure {
  const warnings: string[] = [];
  const candidates = interfaces.filter((i) => i.name !== 'lo');

  const annotation = node.annotations[PRIMARY_MAC_ANNOTATION];
  if (annotation !== undefined) {
    const mac = normaliseMac(annotation);
    if (mac === null) {
      warnings.push(`annotation ${PRIMARY_MAC_ANNOTATION}="${annotation}" is not a MAC address (expected aa:bb:cc:dd:ee:ff)`);
    } else {
      const byMac = candidates.find((i) => i.mac === mac);
      if (byMac !== undefined) return { iface: byMac, rule: 'primary-mac', warnings };
      warnings.push(`annotation ${PRIMARY_MAC_ANNOTATION}="${annotation}" matches no interface on this node`);
    }
  }

  const owned = new Set(ledger.map((e) => `${e.iface} ${e.cidr.split('/')[0] ?? ''}`));
  for (const nodeAddress of node.addresses) {
    const address = canonicalAddress(nodeAddress);
    if (address === null) continue;
    const holder = candidates.find((i) => i.addresses.some((a) => a.address === address && !owned.has(`${i.name} ${address}`)));
    if (holder !== undefined) return { iface: holder, rule: 'node-address', warnings };
  }

  if (configured !== undefined) {
    const byName = candidates.find((i) => i.name === configured);
    if (byName !== undefined) return { iface: byName, rule: 'configured', warnings };
    warnings.push(`configured interface "${configured}" (IPSHIFT_AGENT_INTERFACE) does not exist on this node`);
  }
  warnings.push(`no interface found: set annotation ${PRIMARY_MAC_ANNOTATION} on node ${node.name}, or IPSHIFT_AGENT_INTERFACE`);
  return { iface: null, warnings };
}
