import { secret } from '../config/secret.js';
import { startFakeKubeApi, type FakeKubeApi } from '../../test/fake-kube-api/index.js';
import { upsertSecret } from './kube-secret-access.js';

describe('upsertSecret (netcup-login --apply)', () => {
  let api: FakeKubeApi;
  beforeAll(async () => {
    api = await startFakeKubeApi({ unidentifiedCallers: 'full-access' });
  });
  afterAll(async () => api.stop());

  const decoded = (): Record<string, string> =>
    Object.fromEntries(
      Object.entries((api.getSecret('ipshift', 'netcup')?.['data'] ?? {}) as Record<string, string>).map(([k, v]) => [
        k,
        Buffer.from(v, 'base64').toString('utf8'),
      ]),
    );

  it('creates the Secret when it is missing, then merges keys into it', async () => {
    expect(await upsertSecret(api.kubeConfig('admin'), 'ipshift', 'netcup', { refreshToken: secret('rt-1'), userId: secret('42') })).toBe('created');
    expect(decoded()).toEqual({ refreshToken: 'rt-1', userId: '42' });
    expect(await upsertSecret(api.kubeConfig('admin'), 'ipshift', 'netcup', { refreshToken: secret('rt-2') })).toBe('updated');
    expect(decoded()).toEqual({ refreshToken: 'rt-2', userId: '42' });
  });
});
