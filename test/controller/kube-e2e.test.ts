import { startNetcupEmulator, type NetcupEmulator } from '../../src/emulators/netcup/netcup-emulator.js';
import { makeNode, startFakeKubeApi, type FakeKubeApi } from '../fake-kube-api/index.js';
import { waitFor } from '../support/controller-harness.js';
import { KUBE_SERVER_OF, seedCluster, startKubeController, type KubeController } from '../support/kube-controller.js';

/** The controller wired as in a cluster, against the HTTP-level fake API server. */
describe('controller against the fake Kubernetes API', () => {
  let api: FakeKubeApi;
  let emulator: NetcupEmulator;
  let controller: KubeController | undefined;

  beforeEach(async () => {
    api = await startFakeKubeApi();
    emulator = await startNetcupEmulator({ taskDurationMs: 30, moveIntervalMs: 0 });
    seedCluster(api, emulator);
  });
  afterEach(async () => {
    await controller?.stop();
    controller = undefined;
    await emulator.close();
    await api.stop();
  });

  it('becomes leader, writes status, and moves the IP when the holder turns NotReady', async () => {
    controller = await startKubeController(api, emulator);
    await waitFor(() => controller?.elector.isLeader() === true, 5000, 'leadership');
    await waitFor(
      () => (api.getFailoverIP('default', 'web')?.['status'] as { assignedNode?: string } | undefined)?.assignedNode === 'node-1',
      5000,
      'status assignedNode',
    );
    api.setNode(
      makeNode({
        name: 'node-1',
        internalIP: '192.0.2.11',
        annotations: { 'ipshift.dev/server-id': String(KUBE_SERVER_OF['node-1']) },
        conditions: { Ready: 'False' },
      }),
    );
    await waitFor(() => emulator.patches.length === 1, 5000, 'the route request');
    await waitFor(() => emulator.routing('198.51.100.10') !== KUBE_SERVER_OF['node-1'], 5000, 'routing changed');
    const status = (): Record<string, unknown> => (api.getFailoverIP('default', 'web')?.['status'] ?? {}) as Record<string, unknown>;
    await waitFor(() => status()['assignedNode'] !== 'node-1', 5000, 'status updated');
    await waitFor(() => (status()['lastDecision'] as { outcome?: string } | undefined)?.outcome === 'keep', 5000, 'the settled decision in status');
    expect(api.events('default').some((e) => e['reason'] === 'HolderDown')).toBe(true);
  });
});
