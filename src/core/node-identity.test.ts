import type { ProviderType } from './model.js';
import { nodeServerIdentity } from './node-identity.js';

const node = (annotations: Record<string, string>, providerID?: string): { name: string; annotations: Record<string, string>; providerID?: string } => ({
  name: 'worker-1',
  annotations,
  ...(providerID === undefined ? {} : { providerID }),
});

describe('nodeServerIdentity', () => {
  it.each<[string, ReturnType<typeof node>, ProviderType, ReturnType<typeof nodeServerIdentity>]>([
    ['annotation wins over providerID', node({ 'ipshift.dev/server-id': '4711' }, 'hcloud://42'), 'hetzner-cloud', { serverId: '4711', source: 'annotation' }],
    ['annotation is trimmed', node({ 'ipshift.dev/server-id': ' v2202 ' }), 'netcup', { serverId: 'v2202', source: 'annotation' }],
    ['blank annotation is ignored', node({ 'ipshift.dev/server-id': '  ' }, 'hcloud://42'), 'hetzner-cloud', { serverId: '42', source: 'provider-id' }],
    ['hcloud providerID', node({}, 'hcloud://42'), 'hetzner-cloud', { serverId: '42', source: 'provider-id' }],
    ['hcloud bare-metal providerID is not a cloud server', node({}, 'hcloud://bm-321'), 'hetzner-cloud', null],
    // Robot routes to a server's main IP, not its number: the adapter's discovery translates hrobot://.
    ['hrobot providerID is left to the Robot adapter', node({}, 'hrobot://321'), 'hetzner-robot', null],
    ['digitalocean providerID', node({}, 'digitalocean://987654'), 'digitalocean', { serverId: '987654', source: 'provider-id' }],
    ['providerID of another provider', node({}, 'digitalocean://987654'), 'hetzner-cloud', null],
    ['malformed providerID', node({}, 'hcloud://'), 'hetzner-cloud', null],
    ['netcup needs discovery', node({}, 'hcloud://42'), 'netcup', null],
    ['netcup without anything', node({}), 'netcup', null],
    ['dry-run falls back to the node name', node({}), 'dry-run', { serverId: 'worker-1', source: 'node-name' }],
    ['dry-run honours the annotation', node({ 'ipshift.dev/server-id': 's1' }), 'dry-run', { serverId: 's1', source: 'annotation' }],
  ])('%s', (_name, input, provider, expected) => {
    expect(nodeServerIdentity(input, provider)).toEqual(expected);
  });
});
