import { Registry } from 'prom-client';
import { secret } from '../config/secret.js';
import { createKubeMetrics, type KubeMetrics } from '../metrics/kube-metrics.js';
import { systemClock } from '../ports/clock.js';
import { silentLogger } from '../ports/logger.js';
import { makeFailoverIP, startFakeKubeApi, type FakeKubeApi } from '../../test/fake-kube-api/index.js';
import { createKubeClusterWriter } from './kube-cluster-writer.js';
import { createKubeSecretAccess } from './kube-secret-access.js';
import { rejectionOf } from '../../test/support/rejection-of.js';

let api: FakeKubeApi;
let registry: Registry;
let metrics: KubeMetrics;

beforeEach(async () => {
  api = await startFakeKubeApi({ unidentifiedCallers: 'full-access' });
  registry = new Registry();
  metrics = createKubeMetrics(registry);
});
afterEach(async () => {
  await api.stop();
});

function writer(): ReturnType<typeof createKubeClusterWriter> {
  return createKubeClusterWriter({
    kubeConfig: api.kubeConfig(),
    logger: silentLogger,
    clock: systemClock,
    metrics,
    instance: 'ipshift-controller-abc',
    uidOf: (ns, name) => api.getFailoverIP(ns, name)?.metadata.uid,
  });
}

describe('patchStatus', () => {
  it('merge-patches the status subresource and leaves spec and generation alone', async () => {
    api.upsertFailoverIP(makeFailoverIP({ name: 'web', status: { assignedNode: 'n0', lastSyncAttempt: '2026-01-01T00:00:00Z' } }));
    await writer().patchStatus('ipshift', 'web', {
      assignedNode: 'n1',
      lastDecision: { outcome: 'move', reason: 'holder-down', message: 'n0 is down', time: '2026-01-01T00:00:01Z' },
    });
    const stored = api.getFailoverIP('ipshift', 'web');
    expect(stored?.['status']).toEqual({
      assignedNode: 'n1',
      lastSyncAttempt: '2026-01-01T00:00:00Z',
      lastDecision: { outcome: 'move', reason: 'holder-down', message: 'n0 is down', time: '2026-01-01T00:00:01Z' },
    });
    expect(stored?.metadata.generation).toBe(1);
    const request = api.requests().find((r) => r.method === 'PATCH');
    expect(request?.path).toBe('/apis/ipshift.dev/v1alpha1/namespaces/ipshift/failoverips/web/status');
    expect(request?.contentType).toBe('application/merge-patch+json');
  });

  it('retries a 409 Conflict', async () => {
    api.upsertFailoverIP(makeFailoverIP({ name: 'web' }));
    api.failNext({ method: 'PATCH', path: '/status', status: 409, times: 2 });
    await writer().patchStatus('ipshift', 'web', { desiredNode: 'n2' });
    expect(api.getFailoverIP('ipshift', 'web')?.['status']).toEqual({ desiredNode: 'n2' });
    expect(api.requests().filter((r) => r.method === 'PATCH')).toHaveLength(3);
  });

  it('gives up after repeated conflicts with a terminal error', async () => {
    api.upsertFailoverIP(makeFailoverIP({ name: 'web' }));
    api.failNext({ method: 'PATCH', path: '/status', status: 409, times: 10 });
    const error = await rejectionOf(writer().patchStatus('ipshift', 'web', { desiredNode: 'n2' }));
    expect(error).toMatchObject({ kind: 'terminal', code: 'conflict' });
    expect(api.requests().filter((r) => r.method === 'PATCH')).toHaveLength(5);
  });

  it('classifies a missing object and a server error', async () => {
    expect(await rejectionOf(writer().patchStatus('ipshift', 'missing', {}))).toMatchObject({ kind: 'terminal', code: 'not-found' });
    api.upsertFailoverIP(makeFailoverIP({ name: 'web' }));
    api.failNext({ method: 'PATCH', status: 503 });
    expect(await rejectionOf(writer().patchStatus('ipshift', 'web', {}))).toMatchObject({ kind: 'transient', code: 'http-503' });
    const errors = (await registry.getSingleMetric('ipshift_kube_api_errors_total')?.get())?.values ?? [];
    expect(errors.find((v) => v.labels['operation'] === 'patch_status')?.value).toBe(2);
  });
});

describe('recordEvent and removeAnnotation', () => {
  it('records a core/v1 Event on the FailoverIP with the decision reason in CamelCase', async () => {
    api.upsertFailoverIP(makeFailoverIP({ name: 'web', namespace: 'edge' }));
    await writer().recordEvent({ namespace: 'edge', name: 'web' }, 'Warning', 'holder-down', 'moved 198.51.100.10 from n1 to n2');
    const [event] = api.events('edge');
    expect(event).toMatchObject({
      type: 'Warning',
      reason: 'HolderDown',
      message: 'moved 198.51.100.10 from n1 to n2',
      involvedObject: {
        apiVersion: 'ipshift.dev/v1alpha1',
        kind: 'FailoverIP',
        namespace: 'edge',
        name: 'web',
        uid: api.getFailoverIP('edge', 'web')?.metadata.uid,
      },
      reportingInstance: 'ipshift-controller-abc',
    });
    expect(event?.metadata.name.startsWith('web.')).toBe(true);
  });

  it('removes one annotation and keeps the others', async () => {
    api.upsertFailoverIP(makeFailoverIP({ name: 'web', annotations: { 'ipshift.dev/move-to': 'n2', keep: 'me' } }));
    await writer().removeAnnotation('ipshift', 'web', 'ipshift.dev/move-to');
    expect(api.getFailoverIP('ipshift', 'web')?.metadata.annotations).toEqual({ keep: 'me' });
  });
});

describe('SecretAccess', () => {
  const access = (): ReturnType<typeof createKubeSecretAccess> => createKubeSecretAccess({ kubeConfig: api.kubeConfig(), clock: systemClock, metrics });

  it('reads by name, decodes, and writes rotated keys back without touching the others', async () => {
    api.setSecret({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'netcup', namespace: 'ipshift' },
      data: { refresh_token: Buffer.from('old-token').toString('base64'), customer: Buffer.from('12345').toString('base64') },
    });
    const values = await access().read('ipshift', 'netcup');
    expect(Object.keys(values).sort()).toEqual(['customer', 'refresh_token']);
    expect(values['refresh_token']?.reveal()).toBe('old-token');
    expect(String(values['refresh_token'])).toBe('[redacted]');

    await access().write('ipshift', 'netcup', { refresh_token: secret('new-token') });
    const stored = api.getSecret('ipshift', 'netcup')?.['data'] as Record<string, string>;
    expect(Buffer.from(stored['refresh_token'] ?? '', 'base64').toString()).toBe('new-token');
    expect(Buffer.from(stored['customer'] ?? '', 'base64').toString()).toBe('12345');
    // get and patch by name only: never a list or a watch of Secrets.
    const secretRequests = api.requests().filter((r) => r.path.includes('/secrets'));
    expect(secretRequests.every((r) => r.path === '/api/v1/namespaces/ipshift/secrets/netcup' && ['GET', 'PATCH'].includes(r.method))).toBe(true);
  });

  it('fails with not-found for a missing Secret and never echoes a value', async () => {
    const error = await rejectionOf(access().read('ipshift', 'absent'));
    expect(error).toMatchObject({ kind: 'terminal', code: 'not-found' });
    api.failNext({ method: 'PATCH', status: 403 });
    const denied = await rejectionOf(access().write('ipshift', 'absent', { token: secret('s3cr3t-value') }));
    expect(denied).toMatchObject({ kind: 'terminal', code: 'forbidden' });
    expect(denied.message).not.toContain('s3cr3t-value');
  });
});
