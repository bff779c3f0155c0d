import { failoverIPCrd } from '../../scripts/crd.js';
import { waitFor } from '../support/controller-harness.js';
import { notReadyNode, useSeededCluster } from '../support/kube-controller.js';

type Condition = { type: string; status: string; reason: string; observedGeneration?: number };
type Status = { conditions?: Condition[]; assignedNode?: string; nextMoveAllowedAt?: string | null };

/** A printer column's value as `kubectl get -o wide` takes it: the CRD's jsonPath, here always a plain field path. */
function printerColumn(object: Record<string, unknown>, name: string): { type: string; value: unknown } {
  const version = (failoverIPCrd()['spec'] as { versions: Array<{ additionalPrinterColumns: Array<{ name: string; type: string; jsonPath: string }> }> })
    .versions[0];
  const column = version?.additionalPrinterColumns.find((c) => c.name === name);
  if (column === undefined) throw new Error(`no column ${name}`);
  const value = column.jsonPath
    .split('.')
    .slice(1)
    .reduce<unknown>((v, key) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined), object);
  return { type: column.type, value };
}

describe('conditions and Events through the fake Kubernetes API', () => {
  const cluster = useSeededCluster({ cooldownSeconds: 600 });

  it('Ready follows the holder, Blocked says WaitCooldown, Events carry HolderDown, NEXT-MOVE stays readable', async () => {
    const { api } = cluster;
    const object = (): Record<string, unknown> => api.getFailoverIP('default', 'web') ?? {};
    const status = (): Status => (object()['status'] ?? {}) as Status;
    const condition = (type: string): string => {
      const c = status().conditions?.find((x) => x.type === type);
      return c === undefined ? 'absent' : `${c.status}/${c.reason}`;
    };
    await cluster.start();
    await waitFor(() => condition('Ready') === 'True/Ready', 5000, 'Ready on node-1');
    const generation = (object()['metadata'] as { generation?: number }).generation;
    expect(status().conditions?.find((c) => c.type === 'Accepted')).toMatchObject({ status: 'True', reason: 'Accepted', observedGeneration: generation });

    api.setNode(notReadyNode('node-1'));
    await waitFor(() => status().assignedNode !== undefined && status().assignedNode !== 'node-1', 5000, 'the move');
    await waitFor(() => condition('Ready') === 'True/Ready', 5000, 'Ready on the new holder');
    expect(api.events('default').some((e) => e['reason'] === 'HolderDown')).toBe(true);

    // The new holder fails inside the 600 s cooldown: the IP has to wait.
    const holder = status().assignedNode ?? '';
    api.setNode(notReadyNode(holder));
    await waitFor(() => condition('Blocked') === 'True/WaitCooldown', 5000, 'the block');
    expect(condition('Ready')).toBe('False/HolderDown');
    expect(condition('Degraded')).toBe('True/HolderDown');
    for (const event of api.events('default')) expect(event['reason']).toMatch(/^[A-Z][a-zA-Z]*$/);

    const next = printerColumn(object(), 'Next-Move');
    expect(Date.parse(String(next.value))).toBeGreaterThan(Date.now());
    // A `date` column prints a future time as <invalid>; a string prints it as written.
    expect(next.type).toBe('string');
  });
});
