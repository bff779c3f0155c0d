import { addressFromBigInt, networkOf, type Cidr } from '../src/core/address.js';

/** Normalises a MAC to lower-case colon form; accepts `:` or `-` separators. Null when malformed. */
export function normaliseMac(text: string): string | null {
  const parts = text.trim().toLowerCase().split(/[:-]/);
  if (parts.length !== 6 || !parts.every((p) => /^[0-9a-f]{1,2}$/.test(p))) return null;
  return parts.map((p) => p.padStart(2, '0')).join(':');
}

/**
 * Modified EUI-64 interface identifier (RFC 4291 appendix A): ff:fe in the middle of the
 * MAC, universal/local bit flipped. This is the host half SLAAC would pick, and what netcup's
 * router expects as the next hop for a routed /64.
 */
export function eui64InterfaceId(mac: string): bigint | null {
  const normalised = normaliseMac(mac);
  if (normalised === null) return null;
  const bytes = normalised.split(':').map((b) => parseInt(b, 16));
  const [b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0] = bytes;
  const id = [b0 ^ 0x02, b1, b2, 0xff, 0xfe, b3, b4, b5];
  return id.reduce((acc, byte) => (acc << 8n) | BigInt(byte), 0n);
}

/** The EUI-64 address of `mac` inside the /64 `prefix`, as a /64 CIDR. */
export function eui64Address(prefix: Cidr, mac: string): Cidr | null {
  const id = eui64InterfaceId(mac);
  if (id === null || prefix.family !== 6 || prefix.prefixLength !== 64) return null;
  return { family: 6, address: addressFromBigInt(networkOf(prefix) | id, 6), prefixLength: 64 };
}
