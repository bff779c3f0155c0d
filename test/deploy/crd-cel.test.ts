import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { CRD_PATH } from '../../scripts/crd.js';
import { REPO_ROOT } from '../../scripts/build-monitoring.js';
import { checkFailoverAddress, DOCUMENTATION_RANGES, FAILOVER_REFUSED_RANGES } from '../../src/core/address.js';
import { kubeCelEnvironment } from '../support/kube-cel.js';

type Rule = { rule: string; message: string };
type Schema = { pattern?: string; 'x-kubernetes-validations'?: Rule[]; properties?: Record<string, Schema>; items?: Schema };

/** The rules as the API server gets them: from the committed CRD. */
const spec = (parse(readFileSync(join(REPO_ROOT, CRD_PATH), 'utf8')) as { spec: { versions: Array<{ schema: { openAPIV3Schema: Schema } }> } }).spec.versions[0]
  ?.schema.openAPIV3Schema.properties?.['spec'] as Schema;
const item = spec.properties?.['addresses']?.items as Schema;
const env = kubeCelEnvironment();

/**
 * What admission says of one spec.addresses entry: every failure, as the API server reports the
 * pattern and each rule (a rule on a value that does not parse is written to pass).
 */
function addressFailures(address: string): string[] {
  const failures = new RegExp(item.pattern ?? '').test(address) ? [] : ['pattern'];
  for (const { rule, message } of item['x-kubernetes-validations'] ?? []) if (env.evaluate(rule, { self: address }) !== true) failures.push(message);
  return failures;
}
const admitAddress = (address: string): string | null => addressFailures(address)[0] ?? null;

function admitSpec(value: { provider: { type: string }; addresses: string[] }): string | null {
  for (const address of value.addresses) {
    const refused = admitAddress(address);
    if (refused !== null) return refused;
  }
  for (const { rule, message } of spec['x-kubernetes-validations'] ?? []) if (env.evaluate(rule, { self: value }) !== true) return message;
  return null;
}

const first = (cidr: string): string => cidr.split('/')[0] ?? '';
const asWritten = (cidr: string): string => (cidr.includes(':') ? `${first(cidr)}/64` : first(cidr));

const CASES: readonly string[] = [
  '185.10.11.12',
  '185.10.11.12/32',
  '185.10.11.0/24',
  '46.38.224.1',
  '2a03:4000:6:1::/64',
  '2a03:4000:6:1::/48',
  '2a03:4000:6:1::1/128',
  '2a03:4000:6:1::',
  '2A03:4000:0006:0001::/64',
  '0.0.0.0',
  '255.255.255.255',
  '10.1.2.3',
  '100.64.0.1',
  '127.0.0.53',
  '169.254.169.254',
  '172.20.0.1',
  '192.168.1.1',
  '224.0.0.1',
  'fe80::/64',
  'fc00::/64',
  'ff02::/64',
  '::/64',
  '::1/128',
  '::ffff:1.2.3.4/128',
  '2002:c000:0204::/64',
  '2001:0::/64',
  '4000::/64',
  '01.2.3.4',
  '198.51.100',
  'example.com',
  '',
  // Every range of the policy, its first address as a user would write it.
  ...FAILOVER_REFUSED_RANGES.map((r) => asWritten(r.cidr)),
];

describe('the CRD refuses at admission what the agent refuses to configure (CEL, Kubernetes IP and CIDR libraries)', () => {
  it.each(CASES.map((address) => [address, checkFailoverAddress(address, { allowDocumentation: true }).ok]))(
    '%j: the agent accepts=%s, and so does admission',
    (address, accepted) => {
      // A bare IPv6 address means /64 to the agent; admission asks for the prefix to be written.
      const bareIPv6 = address.includes(':') && !address.includes('/');
      expect(admitAddress(address) === null).toBe(accepted && !bareIPv6);
    },
  );

  it('names the rule that refuses', () => {
    expect(addressFailures('185.10.11.0/24')).toEqual(['pattern', expect.stringMatching(/one address \(\/32\)/)]);
    expect(addressFailures('2a03:4000:6:1::/48')).toEqual([expect.stringMatching(/IPv6 is a \/64 prefix/)]);
    expect(addressFailures('169.254.169.254')).toEqual([expect.stringMatching(/not a global unicast/)]);
    expect(addressFailures('fe80::/64')).toEqual([expect.stringMatching(/not a global unicast/)]);
  });

  it.each(DOCUMENTATION_RANGES.map((r) => [asWritten(r.cidr)]))('documentation address %s: refused unless the provider is dry-run', (address) => {
    expect(checkFailoverAddress(address, { allowDocumentation: false }).ok).toBe(false);
    expect(admitSpec({ provider: { type: 'netcup' }, addresses: ['185.10.11.12', address] })).toMatch(/documentation address/);
    expect(admitSpec({ provider: { type: 'dry-run' }, addresses: [address] })).toBeNull();
  });

  it.each([
    ['netcup', ['185.10.11.12', '2a03:4000:6:1::/64']],
    ['netcup', ['2a03:4000:6:1::1/128']],
    ['hetzner-cloud', ['2a03:4000:6:1::1/128']],
    ['digitalocean', ['185.10.11.12', '2a03:4000:6:1::1/128']],
    ['digitalocean', ['2a03:4000:6:1::/64']],
    ['dry-run', ['2001:db8:1::/64', '2001:db8:2::5/128']],
  ])("%s %j: admission and the agent's check agree on the provider's IPv6 length", (provider, addresses) => {
    const admitted = admitSpec({ provider: { type: provider }, addresses }) === null;
    const agent = addresses.every((a) => checkFailoverAddress(a, { allowDocumentation: provider === 'dry-run', provider }).ok);
    expect(admitted).toBe(agent);
    if (!admitted) expect(admitSpec({ provider: { type: provider }, addresses })).toMatch(/IPv6 at DigitalOcean is a reserved IPv6 address/);
  });

  it('deploy/examples: the dry-run example is admitted, the netcup one only once its placeholder addresses are replaced', () => {
    const dir = join(REPO_ROOT, 'deploy/examples');
    const fips = readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .flatMap((f) =>
        parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map(
          (d) => d.toJS() as { kind?: string; spec: { provider: { type: string }; addresses: string[] } },
        ),
      )
      .filter((o) => o.kind === 'FailoverIP');
    for (const fip of fips) {
      if (fip.spec.provider.type === 'dry-run') expect(admitSpec(fip.spec)).toBeNull();
      else {
        expect(admitSpec(fip.spec)).toMatch(/documentation address/);
        expect(admitSpec({ ...fip.spec, addresses: ['185.10.11.12', '2a03:4000:6:1::/64'] })).toBeNull();
      }
    }
  });
});
