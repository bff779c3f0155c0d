import { type NetcupEmulator, startNetcupEmulator } from './netcup-emulator.js';

describe('netcup emulator', () => {
  let emulator: NetcupEmulator;
  let now = 1_800_000_000_000;
  let token: string;

  const api = async (method: string, path: string, body?: unknown, bearer: string | null = token) => {
    const response = await fetch(`${emulator.apiUrl}${path}`, {
      method,
      headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> & unknown[] };
  };
  const tokenRequest = (form: Record<string, string>) =>
    fetch(`${emulator.issuerUrl}/protocol/openid-connect/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form),
    });

  beforeEach(async () => {
    now = 1_800_000_000_000;
    emulator = await startNetcupEmulator({ now: () => now, taskDurationMs: 1000 });
    const response = await tokenRequest({ grant_type: 'refresh_token', client_id: 'scp', refresh_token: emulator.refreshToken });
    token = ((await response.json()) as { access_token: string }).access_token;
  });
  afterEach(async () => {
    await emulator.close();
  });

  it('serves a discovery document and Keycloak-style token answers with the user id in `id`', async () => {
    const discovery = (await (await fetch(`${emulator.issuerUrl}/.well-known/openid-configuration`)).json()) as Record<string, string>;
    expect(discovery['issuer']).toBe(emulator.issuerUrl);
    expect(discovery['token_endpoint']).toBe(`${emulator.issuerUrl}/protocol/openid-connect/token`);
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
    expect(claims['id']).toBe(String(emulator.userId));
    expect(claims['sub']).not.toBe(String(emulator.userId));

    const refused = await tokenRequest({ grant_type: 'refresh_token', client_id: 'scp', refresh_token: 'nope' });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ error: 'invalid_grant', error_description: 'Token is not active' });
    expect((await tokenRequest({ grant_type: 'refresh_token', client_id: 'other', refresh_token: emulator.refreshToken })).status).toBe(401);
  });

  it('answers 401 without a valid bearer token and 403 for another user id', async () => {
    const anonymous = await api('GET', `/api/v1/users/${emulator.userId}/failoverips/v4`, undefined, null);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    expect((await api('GET', '/api/v1/users/1/failoverips/v4')).status).toBe(403);
    emulator.faults.expireTokens();
    expect((await api('GET', `/api/v1/users/${emulator.userId}/failoverips/v4`)).status).toBe(401);
  });

  it('lists failover IPs in netcup’s shapes, filtered by ip, without `server` when unrouted', async () => {
    emulator.setRouting('198.51.100.10', null);
    const v4 = await api('GET', `/api/v1/users/${emulator.userId}/failoverips/v4?ip=198.51.100.10`);
    expect(v4.status).toBe(200);
    expect(v4.body).toEqual([
      expect.objectContaining({ id: expect.any(Number), ip: '198.51.100.10', cidrSuffix: 32, editable: true, site: { id: 1, city: 'Nuremberg' } }),
    ]);
    expect(v4.body[0]).not.toHaveProperty('server');
    expect((await api('GET', `/api/v1/users/${emulator.userId}/failoverips/v4?ip=203.0.113.1`)).body).toEqual([]);
    const v6 = await api('GET', `/api/v1/users/${emulator.userId}/failoverips/v6`);
    expect(v6.body).toEqual([
      expect.objectContaining({ networkPrefix: '2001:db8:a:20::', networkPrefixLength: 64, server: { id: 111001, name: 'v0000000000000111001' } }),
    ]);
  });

  it('lists an IPv6 prefix with a short inner zero run in valid compressed form (only the longest run compressed)', async () => {
    await emulator.close();
    emulator = await startNetcupEmulator({ now: () => now, failoverIps: [{ address: '2001:db8:0:0:1::/80', serverId: 111001 }] });
    const response = await tokenRequest({ grant_type: 'refresh_token', client_id: 'scp', refresh_token: emulator.refreshToken });
    token = ((await response.json()) as { access_token: string }).access_token;
    const v6 = await api('GET', `/api/v1/users/${emulator.userId}/failoverips/v6`);
    expect(v6.body).toEqual([expect.objectContaining({ networkPrefix: '2001:db8:0:0:1::', networkPrefixLength: 80 })]);
  });

  it('routes through an async task, then refuses every further move of that IP for 5 minutes with 429, a repeat included', async () => {
    const [entry] = (await api('GET', `/api/v1/users/${emulator.userId}/failoverips/v4?ip=198.51.100.10`)).body as Array<{ id: number }>;
    const path = `/api/v1/users/${emulator.userId}/failoverips/v4/${entry?.id}`;
    const started = await api('PATCH', path, { serverId: 111002 });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ name: 'RouteFailoverIpTask', state: 'RUNNING', uuid: expect.any(String) });
    const uuid = (started.body as unknown as { uuid: string }).uuid;
    // Sending the same move again (a client that lost the answer) is refused: the limit is per IP.
    const repeated = await api('PATCH', path, { serverId: 111002 });
    expect([repeated.status, repeated.headers.get('retry-after')]).toEqual([429, '300']);
    expect(emulator.routing('198.51.100.10')).toBe(111001);

    now += 1000;
    expect((await api('GET', `/api/v1/tasks/${uuid}`)).body).toMatchObject({ state: 'FINISHED', responseError: null });
    expect(emulator.routing('198.51.100.10')).toBe(111002);

    now += 59_000;
    const refused = await api('PATCH', path, { serverId: 111003 });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('240');
    expect(refused.body).toMatchObject({ message: 'Routing a failover IP is only permitted once every 5 minutes.' });
    expect(emulator.patches.map((p) => [p.at - 1_800_000_000_000, p.serverId, p.status])).toEqual([
      [0, 111002, 202],
      [0, 111002, 429],
      [60_000, 111003, 429],
    ]);
  });

  it('enforces the same-site rule with 400 and unknown servers with 404', async () => {
    const path = `/api/v1/users/${emulator.userId}/failoverips/v4/333001`;
    const sameSite = await api('PATCH', path, { serverId: 111009 });
    expect(sameSite.status).toBe(400);
    expect(sameSite.body).toMatchObject({ message: 'Routing is limited to servers within the same site as the failover IP.' });
    expect((await api('PATCH', path, { serverId: 4242 })).status).toBe(404);
    expect((await api('PATCH', `/api/v1/users/${emulator.userId}/failoverips/v4/9`, { serverId: 111002 })).status).toBe(404);
  });

  it('finds servers by IP', async () => {
    expect((await api('GET', '/api/v1/servers?ip=192.0.2.12')).body).toEqual([
      { id: 111002, name: 'v0000000000000111002', hostname: 'v0000000000000111002.megasrv.de', nickname: null, disabled: false, template: null },
    ]);
    expect((await api('GET', '/api/v1/servers?ip=10.1.1.1')).body).toEqual([]);
  });

  it('injects faults in order and counts requests and mutations', async () => {
    const list = `/api/v1/users/${emulator.userId}/failoverips/v4`;
    emulator.faults.failNext(1, 502);
    emulator.faults.rateLimitNext(7);
    emulator.faults.resetNext(1);
    emulator.faults.slowNext(150);
    expect((await api('GET', list)).status).toBe(502);
    const limited = await api('GET', list);
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '7']);
    await expect(fetch(`${emulator.apiUrl}${list}`, { headers: { authorization: `Bearer ${token}` } })).rejects.toThrow();
    const started = Date.now();
    expect((await api('GET', list)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    await api('PATCH', `${list}/333001`, { serverId: 111002 });
    expect(emulator.faults.requestCount()).toBe(5);
    expect(emulator.faults.mutationCount()).toBe(1);

    emulator.faults.failNext(1, 503, 'token');
    expect((await tokenRequest({ grant_type: 'refresh_token', client_id: 'scp', refresh_token: emulator.refreshToken })).status).toBe(503);
    emulator.faults.revokeRefreshToken();
    expect((await tokenRequest({ grant_type: 'refresh_token', client_id: 'scp', refresh_token: emulator.refreshToken })).status).toBe(400);
  });

  it('loses the answer of a processed move, and leaves a hung request unanswered', async () => {
    const list = `/api/v1/users/${emulator.userId}/failoverips/v4`;
    // A lost answer: the move is taken, the client sees the connection close.
    emulator.faults.loseAnswerNext(1, 'mutation');
    await expect(
      fetch(`${emulator.apiUrl}${list}/333001`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ serverId: 111003 }),
      }),
    ).rejects.toThrow();
    expect(emulator.patches.at(-1)).toMatchObject({ serverId: 111003, status: 202 });
    // A hang: no answer until the client gives up.
    emulator.faults.hangNext(1);
    await expect(fetch(`${emulator.apiUrl}${list}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(200) })).rejects.toThrow();
  });
});
