import {
  canonicalAddress,
  eui64Address,
  eui64InterfaceId,
  ipv6FromBigInt,
  ipv6InPrefix,
  ipv6IsNetworkOnly,
  ipv6ToBigInt,
  normaliseMac,
  parseCidr,
} from './ip-address.js';

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
  ])('%s: %s → %s', (_description, input, expected) => {
    expect(canonicalAddress(input)).toBe(expected);
  });

  it('round-trips through bigint', () => {
    const value = ipv6ToBigInt('2a03:4000:6:1234::abcd');
    expect(value).not.toBeNull();
    expect(ipv6FromBigInt(value ?? 0n)).toBe('2a03:4000:6:1234::abcd');
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

describe('IPv6 prefixes', () => {
  const prefix = parseCidr('2001:db8:1::/64');
  it.each([
    ['inside', '2001:db8:1::ffff', true],
    ['last address inside', '2001:db8:1:0:ffff:ffff:ffff:ffff', true],
    ['next /64', '2001:db8:1:1::1', false],
    ['IPv4 never inside', '198.51.100.1', false],
  ])('%s: %s', (_description, address, expected) => {
    expect(prefix).not.toBeNull();
    if (prefix !== null) expect(ipv6InPrefix(address, prefix)).toBe(expected);
  });

  it.each([
    ['bare /64 names a network', '2001:db8:1::/64', true],
    ['host bits set', '2001:db8:1::10/64', false],
    ['IPv4 is never a v6 network', '198.51.100.0/24', false],
  ])('ipv6IsNetworkOnly %s', (_description, text, expected) => {
    const cidr = parseCidr(text);
    expect(cidr).not.toBeNull();
    if (cidr !== null) expect(ipv6IsNetworkOnly(cidr)).toBe(expected);
  });
});

describe('EUI-64', () => {
  it.each([
    // RFC 4291 appendix A style: the universal/local bit (0x02 of the first byte) flips.
    ['universal MAC gets the U/L bit set', '00:1a:2b:3c:4d:5e', 0x021a2bfffe3c4d5en],
    ['local MAC gets the U/L bit cleared', '02:00:00:00:00:01', 0x000000fffe000001n],
    ['dash separators and upper case', '52-54-00-AB-CD-EF', 0x505400fffeabcdefn],
    ['malformed MAC', '52:54:00:ab:cd', null],
  ])('%s', (_description, mac, expected) => {
    expect(eui64InterfaceId(mac)).toBe(expected);
  });

  it('builds the address inside the native /64, whatever host bits the prefix text carries', () => {
    const native = parseCidr('2a03:4000:6:1234::1/64');
    expect(native).not.toBeNull();
    if (native !== null) {
      expect(eui64Address(native, '52:54:00:ab:cd:ef')).toEqual({ family: 6, address: '2a03:4000:6:1234:5054:ff:feab:cdef', prefixLength: 64 });
    }
  });

  it('refuses a prefix that is not /64', () => {
    const native = parseCidr('2a03:4000:6::/48');
    expect(native).not.toBeNull();
    if (native !== null) expect(eui64Address(native, '52:54:00:ab:cd:ef')).toBeNull();
  });

  it.each([
    ['colon form', 'AA:BB:CC:DD:EE:FF', 'aa:bb:cc:dd:ee:ff'],
    ['single-digit octets are padded', 'a:b:c:d:e:f', '0a:0b:0c:0d:0e:0f'],
    ['too many octets', 'aa:bb:cc:dd:ee:ff:00', null],
    ['not hex', 'zz:bb:cc:dd:ee:ff', null],
  ])('normaliseMac %s', (_description, input, expected) => {
    expect(normaliseMac(input)).toBe(expected);
  });
});
