import {
  addressFromBigInt,
  addressKey,
  addressToBigInt,
  canonicalAddress,
  checkFailoverAddress,
  cidrContains,
  cidrsOverlap,
  DOCUMENTATION_RANGES,
  FAILOVER_REFUSED_RANGES,
  firstHost,
  formatCidr,
  isIPv6Address,
  isNetworkOnly,
  parseCidr,
  type Cidr,
} from './address.js';

const cidr = (text: string): Cidr => {
  const parsed = parseCidr(text);
  if (parsed === null) throw new Error(`test fixture: ${text}`);
  return parsed;
};

describe('canonicalAddress', () => {
  it.each([
    ['IPv4 stays dotted quad', '198.51.100.1', '198.51.100.1'],
    ['IPv6 upper case and leading zeros', '2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['longest zero run wins', '2001:db8:0:0:1:0:0:0', '2001:db8:0:0:1::'],
    ['first run wins on a tie', '2001:0:0:1:0:0:1:1', '2001::1:0:0:1:1'],
    ['a single zero group is not compressed', '2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['all zeros', '::', '::'],
    ['loopback', '0:0:0:0:0:0:0:1', '::1'],
    ['embedded IPv4', '::ffff:192.0.2.1', '::ffff:c000:201'],
    ['zone id is dropped', 'fe80::1%eth0', 'fe80::1'],
    ['garbage', 'not-an-ip', null],
    ['IPv4 with a prefix is not an address', '198.51.100.1/32', null],
    // ipaddr.js alone reads these as 127.0.0.1; a reviewer of the spec would not.
    ['short IPv4 form', '127.1', null],
    ['hex IPv4 form', '0x7f.0.0.1', null],
    ['leading zero in an octet', '198.51.100.01', null],
  ])('%s: %s → %s', (_description, input, expected) => {
    expect(canonicalAddress(input)).toBe(expected);
  });

  it('round-trips through bigint', () => {
    const value = addressToBigInt('2a03:4000:6:1234::abcd');
    expect(value).not.toBeNull();
    expect(addressFromBigInt(value ?? 0n, 6)).toBe('2a03:4000:6:1234::abcd');
    expect(addressFromBigInt(addressToBigInt('198.51.100.7') ?? 0n, 4)).toBe('198.51.100.7');
  });
});

describe('addressKey (the comparable form providers and alerts use)', () => {
  it.each([
    ['IPv4 with /32', '198.51.100.1/32', '198.51.100.1'],
    ['IPv6 prefix in capitals', '2001:DB8:0::/64', '2001:db8::'],
    ['fully expanded IPv6', '2001:0db8:000a:0020:0000:0000:0000:0000', '2001:db8:a:20::'],
    ['not an address stays itself', ' node-1 ', 'node-1'],
  ])('%s', (_description, input, expected) => {
    expect(addressKey(input)).toBe(expected);
  });

  it('tells the families apart', () => {
    expect(isIPv6Address('2001:db8::/64')).toBe(true);
    expect(isIPv6Address('198.51.100.1/32')).toBe(false);
    expect(isIPv6Address('node-1')).toBe(false);
  });
});

describe('parseCidr', () => {
  it.each([
    ['bare IPv4 defaults to /32', '198.51.100.1', { family: 4, address: '198.51.100.1', prefixLength: 32 }],
    ['IPv4 /32', '198.51.100.1/32', { family: 4, address: '198.51.100.1', prefixLength: 32 }],
    ['IPv6 prefix canonicalised', '2001:DB8:1:0::/64', { family: 6, address: '2001:db8:1::', prefixLength: 64 }],
    ['bare IPv6 defaults to /128', '2001:db8::5', { family: 6, address: '2001:db8::5', prefixLength: 128 }],
    ['IPv4 prefix too long', '198.51.100.1/33', null],
    ['IPv6 prefix too long', '2001:db8::/129', null],
    ['prefix not a number', '2001:db8::/x', null],
    ['empty prefix', '198.51.100.1/', null],
  ])('%s', (_description, input, expected) => {
    expect(parseCidr(input)).toEqual(expected);
  });
});

describe('prefixes', () => {
  it.each([
    ['inside', '2001:db8:1::/64', '2001:db8:1::ffff', true],
    ['last address inside', '2001:db8:1::/64', '2001:db8:1:0:ffff:ffff:ffff:ffff', true],
    ['next /64', '2001:db8:1::/64', '2001:db8:1:1::1', false],
    ['IPv4 never inside IPv6', '2001:db8:1::/64', '198.51.100.1', false],
    ['IPv4 inside', '10.96.0.0/12', '10.111.255.255', true],
    ['IPv4 outside', '10.96.0.0/12', '10.112.0.0', false],
  ])('cidrContains %s', (_description, prefix, address, expected) => {
    expect(cidrContains(cidr(prefix), address)).toBe(expected);
  });

  it.each([
    ['nested', '10.0.0.0/8', '10.244.0.0/16', true],
    ['nested the other way', '10.244.0.0/16', '10.0.0.0/8', true],
    ['disjoint', '10.244.0.0/16', '10.245.0.0/16', false],
    ['families differ', '::/0', '0.0.0.0/0', false],
  ])('cidrsOverlap %s', (_description, a, b, expected) => {
    expect(cidrsOverlap(cidr(a), cidr(b))).toBe(expected);
  });

  it.each([
    ['bare /64 names a network', '2001:db8:1::/64', true],
    ['host bits set', '2001:db8:1::10/64', false],
    ['IPv4 network', '198.51.100.0/24', true],
  ])('isNetworkOnly %s', (_description, text, expected) => {
    expect(isNetworkOnly(cidr(text))).toBe(expected);
  });

  it('first host of a prefix', () => {
    expect(firstHost(cidr('2001:db8:1::/64'))).toBe('2001:db8:1::1');
  });
});

describe('checkFailoverAddress', () => {
  const production = { allowDocumentation: false };
  const sandbox = { allowDocumentation: true };

  it.each([
    ['public IPv4', '185.12.64.1', '185.12.64.1/32'],
    ['public IPv4 /32', '185.12.64.1/32', '185.12.64.1/32'],
    ['public IPv6 /64', '2a03:4000:6:1234::/64', '2a03:4000:6:1234::/64'],
    ['bare public IPv6 means /64', '2A03:4000:6:1234::', '2a03:4000:6:1234::/64'],
    ['IPv6 address with host bits inside its /64', '2a01:4f8:1:2::10/64', '2a01:4f8:1:2::10/64'],
  ])('accepts %s', (_description, text, expected) => {
    const verdict = checkFailoverAddress(text, production);
    expect(verdict.ok && `${verdict.cidr.address}/${verdict.cidr.prefixLength}`).toBe(expected);
  });

  it.each([
    ['malformed', 'node-1', 'malformed'],
    ['IPv4 network', '185.12.64.0/24', 'prefix-length'],
    ['IPv6 /48', '2a03:4000:6::/48', 'prefix-length'],
    ['IPv6 /0', '::/0', 'prefix-length'],
    ['loopback', '127.0.0.53', 'not-global-unicast'],
    ['metadata service (link-local)', '169.254.169.254', 'not-global-unicast'],
    ['unspecified', '0.0.0.0', 'not-global-unicast'],
    ['private', '10.0.0.1', 'not-global-unicast'],
    ['private 172.16/12', '172.31.255.1', 'not-global-unicast'],
    ['private 192.168/16', '192.168.1.1', 'not-global-unicast'],
    ['CGNAT', '100.64.0.1', 'not-global-unicast'],
    ['multicast', '224.0.0.1', 'not-global-unicast'],
    ['broadcast', '255.255.255.255', 'not-global-unicast'],
    ['IPv6 link-local', 'fe80::1', 'not-global-unicast'],
    ['IPv6 link-local /64', 'fe80::/64', 'not-global-unicast'],
    ['IPv6 loopback as /64', '::1/64', 'not-global-unicast'],
    ['IPv6 unique local', 'fd00:1:2:3::/64', 'not-global-unicast'],
    ['IPv6 multicast', 'ff02::/64', 'not-global-unicast'],
    ['IPv4-mapped loopback', '::ffff:127.0.0.1/64', 'not-global-unicast'],
    ['IPv6 outside 2000::/3', '4000::/64', 'not-global-unicast'],
    ['documentation IPv4', '198.51.100.10', 'documentation'],
    ['documentation IPv6', '2001:db8:a:20::/64', 'documentation'],
  ])('refuses %s (%s)', (_description, text, reason) => {
    const verdict = checkFailoverAddress(text, production);
    expect(verdict.ok ? 'accepted' : verdict.reason).toBe(reason);
  });

  it('accepts the documentation ranges only where allowed, and nothing else besides', () => {
    for (const range of DOCUMENTATION_RANGES) {
      const inside = range.cidr.includes(':') ? `${range.cidr.split('/')[0]}/64` : range.cidr.split('/')[0]?.replace(/\.0$/, '.10');
      expect(checkFailoverAddress(inside ?? '', sandbox).ok).toBe(true);
      expect(checkFailoverAddress(inside ?? '', production).ok).toBe(false);
    }
    expect(checkFailoverAddress('169.254.169.254', sandbox).ok).toBe(false);
    expect(checkFailoverAddress('127.0.0.53', sandbox).ok).toBe(false);
  });

  it('names the range in the refusal', () => {
    const verdict = checkFailoverAddress('169.254.169.254', production);
    expect(verdict.ok ? '' : verdict.detail).toBe('link-local range 169.254.0.0/16');
  });

  it('has a well-formed table', () => {
    for (const range of [...FAILOVER_REFUSED_RANGES, ...DOCUMENTATION_RANGES]) {
      const parsed = parseCidr(range.cidr);
      expect(parsed).not.toBeNull();
      if (parsed !== null) expect(isNetworkOnly(parsed)).toBe(true);
    }
  });
});

describe("checkFailoverAddress: the IPv6 length is the provider's", () => {
  const verdict = (text: string, provider?: string) => {
    const v = checkFailoverAddress(text, { allowDocumentation: false, ...(provider === undefined ? {} : { provider }) });
    return v.ok ? formatCidr(v.cidr) : v.reason;
  };
  it.each([
    ['netcup', '2a03:4000:6:1234::1/128', 'prefix-length'],
    ['netcup', '2a03:4000:6:1234::/64', '2a03:4000:6:1234::/64'],
    ['netcup', '2a03:4000:6:1234::', '2a03:4000:6:1234::/64'],
    ['digitalocean', '2a03:4000:6:1234::1/128', '2a03:4000:6:1234::1/128'],
    ['digitalocean', '2a03:4000:6:1234::1', '2a03:4000:6:1234::1/128'],
    ['digitalocean', '2a03:4000:6:1234::/64', 'prefix-length'],
    ['digitalocean', '185.10.11.12', '185.10.11.12/32'],
    [undefined, '2a03:4000:6:1234::1/128', '2a03:4000:6:1234::1/128'],
    [undefined, '2a03:4000:6:1234::/48', 'prefix-length'],
  ])('%s: %s → %s', (provider, text, expected) => expect(verdict(text, provider)).toBe(expected));
});
