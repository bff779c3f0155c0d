import type { ProviderOperation } from '../metrics/provider-metrics.js';
import type { ProviderCall } from './provider-client.js';

/** One paged collection of a cloud API that takes `?page=N&per_page=M` (Hetzner Cloud, DigitalOcean). */
export interface PagedList<T> {
  /** Path of the collection, e.g. `/floating_ips`. */
  readonly path: string;
  readonly operation: ProviderOperation;
  readonly pageSize: number;
  /** A bound on the pages read, so a provider that always says "more" cannot keep us reading. */
  readonly maxPages: number;
  /** The items of one page's answer, and whether the answer names a next page. */
  readonly page: (body: unknown) => { readonly items: readonly T[]; readonly more: boolean };
}

/** Reads every page of a collection, in order, one request at a time. */
export async function readPages<T>(call: ProviderCall, list: PagedList<T>, signal?: AbortSignal): Promise<T[]> {
  const all: T[] = [];
  for (let page = 1; page <= list.maxPages; page++) {
    const response = await call({ method: 'GET', path: list.path, query: { page, per_page: list.pageSize }, operation: list.operation, signal });
    const { items, more } = list.page(response.body);
    all.push(...items);
    if (!more) break;
  }
  return all;
}
