import type { HttpRequest } from './http.js';
import { readPages } from './paged-list.js';

describe('readPages', () => {
  /** A collection of `total` numbers served `per_page` at a time, recording each request. */
  function collection(total: number) {
    const requests: HttpRequest[] = [];
    const call = (request: HttpRequest) => {
      requests.push(request);
      const page = Number(request.query?.page);
      const size = Number(request.query?.per_page);
      const items = Array.from({ length: total }, (_, i) => i).slice((page - 1) * size, page * size);
      return Promise.resolve({ status: 200, headers: new Headers(), body: { items, more: page * size < total } });
    };
    const page = (body: unknown) => body as { items: number[]; more: boolean };
    return { requests, call, page };
  }

  it('reads the pages in order until the answer names no next page', async () => {
    const { requests, call, page } = collection(5);
    const all = await readPages(call, { path: '/things', operation: 'discover_server', pageSize: 2, maxPages: 10, page });
    expect(all).toEqual([0, 1, 2, 3, 4]);
    expect(requests.map((r) => [r.method, r.path, r.operation, r.query])).toEqual([
      ['GET', '/things', 'discover_server', { page: 1, per_page: 2 }],
      ['GET', '/things', 'discover_server', { page: 2, per_page: 2 }],
      ['GET', '/things', 'discover_server', { page: 3, per_page: 2 }],
    ]);
  });

  it('stops at maxPages when the provider keeps saying there is more', async () => {
    const { requests, call, page } = collection(100);
    const all = await readPages(call, { path: '/things', operation: 'route', pageSize: 3, maxPages: 2, page });
    expect(all).toEqual([0, 1, 2, 3, 4, 5]);
    expect(requests).toHaveLength(2);
  });
});
