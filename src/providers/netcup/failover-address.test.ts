import { parseFailoverAddress } from './failover-address.js';

describe('failover addresses as netcup sees them', () => {
  it('accepts IPv4 with or without /32 and nothing else', () => {
    expect(parseFailoverAddress('198.51.100.1')).toEqual({ family: 4, ip: '198.51.100.1' });
    expect(parseFailoverAddress(' 198.51.100.1/32 ')).toEqual({ family: 4, ip: '198.51.100.1' });
    expect(parseFailoverAddress('198.51.100.1/24')).toBeNull();
    expect(parseFailoverAddress('198.51.100.300')).toBeNull();
    expect(parseFailoverAddress('node-1')).toBeNull();
  });

  it('reads IPv6 prefixes in any spelling, a bare address as /64', () => {
    const expected = { family: 6, prefix: '2001:db8:a:20::', prefixLength: 64 };
    expect(parseFailoverAddress('2001:db8:a:20::/64')).toEqual(expected);
    expect(parseFailoverAddress('2001:DB8:A:20:0:0::/64')).toEqual(expected);
    expect(parseFailoverAddress('2001:db8:a:20::')).toEqual(expected);
    expect(parseFailoverAddress('2001:db8::/129')).toBeNull();
    expect(parseFailoverAddress('2001:db8::/64/1')).toBeNull();
  });
});
