import { parseCidr } from '../src/core/address.js';
import { eui64Address, eui64InterfaceId, normaliseMac } from './eui64.js';

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
