import { terminalError, type IpshiftError } from '../src/errors.js';
import { parseCidr } from '../src/core/address.js';
import type { AddAddressOptions, Iface, IfaceAddress, IpLink } from './ip-link.js';

export interface FakeIfaceSpec {
  readonly name: string;
  readonly mac: string;
  /** CIDRs already configured ("foreign" to the agent). */
  readonly addresses?: readonly string[];
}

export type FakeOperation = { readonly op: 'add' | 'del' | 'announce'; readonly iface: string; readonly cidr: string; readonly receiveOnly?: boolean };

/** An in-memory IpLink for unit tests: behaves like the kernel for the cases the agent relies on. */
export class FakeIpLink implements IpLink {
  readonly operations: FakeOperation[] = [];
  /** Make the next call of an operation fail with this error. */
  readonly failNext = new Map<'list' | 'routes' | 'add' | 'del', IpshiftError>();
  /** The next hops `listGateways` reports. */
  gateways: string[] = [];
  private readonly ifaces = new Map<string, { mac: string; addresses: IfaceAddress[] }>();

  constructor(specs: readonly FakeIfaceSpec[]) {
    for (const spec of specs) {
      this.ifaces.set(spec.name, { mac: spec.mac.toLowerCase(), addresses: [] });
      for (const cidr of spec.addresses ?? []) this.put(spec.name, cidr);
    }
  }

  /** Adds an address behind the agent's back (an administrator, DHCP, SLAAC). */
  put(iface: string, cidr: string): void {
    const parsed = parseCidr(cidr);
    const entry = this.ifaces.get(iface);
    if (parsed === null || entry === undefined) throw new Error(`fake: bad put ${iface} ${cidr}`);
    const scope = parsed.family === 6 && parsed.address.startsWith('fe80:') ? 'link' : 'global';
    entry.addresses.push({ family: parsed.family, address: parsed.address, prefixLength: parsed.prefixLength, scope });
  }

  /** Canonical `address/prefix` strings on one interface. */
  cidrsOn(iface: string): string[] {
    return (this.ifaces.get(iface)?.addresses ?? []).map((a) => `${a.address}/${a.prefixLength}`);
  }

  listInterfaces(): Promise<Iface[]> {
    const failure = this.takeFailure('list');
    if (failure !== undefined) return Promise.reject(failure);
    return Promise.resolve([...this.ifaces].map(([name, { mac, addresses }]) => ({ name, mac, addresses: [...addresses] })));
  }

  listGateways(): Promise<string[]> {
    const failure = this.takeFailure('routes');
    return failure === undefined ? Promise.resolve([...this.gateways]) : Promise.reject(failure);
  }

  addAddress(iface: string, cidr: string, options: AddAddressOptions = {}): Promise<void> {
    this.operations.push({ op: 'add', iface, cidr, ...(options.receiveOnly === true ? { receiveOnly: true } : {}) });
    const failure = this.takeFailure('add');
    if (failure !== undefined) return Promise.reject(failure);
    const parsed = parseCidr(cidr);
    const entry = this.ifaces.get(iface);
    if (parsed === null || entry === undefined) return Promise.reject(terminalError(`fake: cannot add ${cidr} to ${iface}`, 'invalid'));
    if (entry.addresses.some((a) => a.address === parsed.address && (parsed.family === 6 || a.prefixLength === parsed.prefixLength))) {
      return Promise.reject(terminalError(`${cidr} already on ${iface}`, 'exists'));
    }
    this.put(iface, cidr);
    return Promise.resolve();
  }

  delAddress(iface: string, cidr: string): Promise<void> {
    this.operations.push({ op: 'del', iface, cidr });
    const failure = this.takeFailure('del');
    if (failure !== undefined) return Promise.reject(failure);
    const parsed = parseCidr(cidr);
    const entry = this.ifaces.get(iface);
    if (parsed !== null && entry !== undefined) {
      entry.addresses = entry.addresses.filter((a) => !(a.address === parsed.address && a.prefixLength === parsed.prefixLength));
    }
    return Promise.resolve();
  }

  announce(iface: string, cidr: string): Promise<void> {
    this.operations.push({ op: 'announce', iface, cidr });
    return Promise.resolve();
  }

  private takeFailure(op: 'list' | 'routes' | 'add' | 'del'): IpshiftError | undefined {
    const failure = this.failNext.get(op);
    this.failNext.delete(op);
    return failure;
  }
}
