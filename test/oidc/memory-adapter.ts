type Payload = Record<string, unknown> & { grantId?: string; userCode?: string; uid?: string; consumed?: number };

/**
 * oidc-provider's storage contract backed by one Map per harness (instead of its built-in
 * quick-start adapter, which warns on every start). Expiry is enforced on read.
 */
export function createMemoryAdapterFactory(): (model: string) => object {
  const store = new Map<string, { payload: Payload; expiresAt: number | undefined }>();
  const key = (model: string, id: string): string => `${model}:${id}`;

  return (model: string) => {
    const read = (id: string): Payload | undefined => {
      const entry = store.get(key(model, id));
      if (!entry) return undefined;
      if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
        store.delete(key(model, id));
        return undefined;
      }
      return entry.payload;
    };
    const findBy = (field: 'userCode' | 'uid', value: string): Payload | undefined => {
      const prefix = `${model}:`;
      for (const [k] of store) {
        if (!k.startsWith(prefix)) continue;
        const payload = read(k.slice(prefix.length));
        if (payload?.[field] === value) return payload;
      }
      return undefined;
    };
    return {
      upsert: (id: string, payload: Payload, expiresIn?: number) => {
        store.set(key(model, id), { payload: { ...payload }, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : undefined });
        return Promise.resolve();
      },
      find: (id: string) => Promise.resolve(read(id)),
      findByUserCode: (userCode: string) => Promise.resolve(findBy('userCode', userCode)),
      findByUid: (uid: string) => Promise.resolve(findBy('uid', uid)),
      consume: (id: string) => {
        const payload = read(id);
        if (payload) payload.consumed = Math.floor(Date.now() / 1000);
        return Promise.resolve();
      },
      destroy: (id: string) => {
        store.delete(key(model, id));
        return Promise.resolve();
      },
      revokeByGrantId: (grantId: string) => {
        for (const [k, entry] of store) if (entry.payload.grantId === grantId) store.delete(k);
        return Promise.resolve();
      },
    };
  };
}
