import type { Secret } from '../config/secret.js';
import { terminalError } from '../errors.js';
import type { CredentialStore } from '../ports/provider.js';
import type { ProviderType } from '../core/model.js';

/**
 * Reads one key of the provider Secret. Read per use, not once at start, so a Secret edited
 * by the user is picked up without a restart (the store caches). The message names the key,
 * never a value.
 */
export async function readCredential(store: CredentialStore, provider: ProviderType, key: string): Promise<Secret> {
  let values: Record<string, Secret>;
  try {
    values = await store.read();
  } catch (error) {
    throw terminalError(`${provider}: cannot read the provider Secret`, 'credentials-unreadable', error);
  }
  const value = values[key];
  if (value === undefined || value.length === 0) {
    throw terminalError(`${provider}: the provider Secret has no key "${key}" (see docs/providers.md)`, 'credentials-missing');
  }
  return value;
}

/** A fixed credential set, for tests and the sandbox. */
export function staticCredentials(values: Record<string, Secret>): CredentialStore {
  let current = { ...values };
  return {
    read: () => Promise.resolve(current),
    write: (next) => {
      current = { ...current, ...next };
      return Promise.resolve();
    },
  };
}

/** An Authorization header with the Secret's `token` as bearer, read at call time (an edited Secret applies at once). */
export async function bearerAuthorization(store: CredentialStore, provider: ProviderType): Promise<{ authorization: string }> {
  return { authorization: `Bearer ${(await readCredential(store, provider, 'token')).reveal()}` };
}
