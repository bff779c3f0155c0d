import type { EmulatorRequest } from './emulator-server.js';
import { bearerTokenFront, pageOf } from './emulator-server.js';

const request = (authorization?: string): EmulatorRequest => ({
  method: 'GET',
  path: '/things',
  query: new URLSearchParams(),
  headers: authorization === undefined ? {} : { authorization },
  body: undefined,
});

describe('bearerTokenFront', () => {
  let budget = 0;
  let routed = 0;
  const handle = bearerTokenFront({
    spend: () => {
      const allowed = budget > 0;
      if (allowed) budget -= 1;
      return { allowed, headers: { 'ratelimit-remaining': String(budget) } };
    },
    token: () => 'secret',
    rateLimited: (headers) => ({ status: 429, headers }),
    unauthorized: (headers) => ({ status: 401, headers }),
    route: () => {
      routed += 1;
      return { status: 200, json: {}, headers: { 'x-own': '1' } };
    },
  });

  it('checks the budget before the token, the token before the routes, and puts the budget headers on every answer', () => {
    budget = 2;
    expect(handle(request('Bearer wrong'))).toEqual({ status: 401, headers: { 'ratelimit-remaining': '1' } });
    expect(handle(request('Bearer secret'))).toEqual({ status: 200, json: {}, headers: { 'ratelimit-remaining': '0', 'x-own': '1' } });
    expect(handle(request('Bearer secret'))).toEqual({ status: 429, headers: { 'ratelimit-remaining': '0' } });
    expect(handle(request())).toMatchObject({ status: 429 });
    expect(routed).toBe(1);
  });
});

describe('pageOf', () => {
  const all = Array.from({ length: 7 }, (_, i) => i);
  const query = (text: string) => new URLSearchParams(text);
  const sizes = { default: 3, max: 5 };

  it('serves page 1 at the default size when the query says nothing or nonsense', () => {
    expect(pageOf(all, query(''), sizes)).toEqual({ items: [0, 1, 2], page: 1, perPage: 3, lastPage: 3, more: true });
    expect(pageOf(all, query('page=x&per_page=y'), sizes)).toMatchObject({ items: [0, 1, 2], page: 1 });
  });

  it('caps the page size and says when the last page is reached', () => {
    expect(pageOf(all, query('page=2&per_page=50'), sizes)).toEqual({ items: [5, 6], page: 2, perPage: 5, lastPage: 2, more: false });
    expect(pageOf([], query(''), sizes)).toEqual({ items: [], page: 1, perPage: 3, lastPage: 1, more: false });
  });
});
