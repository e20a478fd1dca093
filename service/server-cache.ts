/**
 * A bounded cache of loaded training servers (`hekit/server`), one per key set and job spec
 * (`serverKey`): loading keys costs far more than a small round, so the API server (checking
 * uploads) and each worker (running rounds) keep the last few, shared by the jobs of one key
 * pair and plan. Least recently used first out; an entry in use is never freed under its user.
 */
import type { JobRecord } from './store/jobs.js';
import type { Server } from '../server/index.js';

interface Entry {
  readonly server: Promise<Server>;
  users: number;
}

/** What a job's server is cached under: its keys' blob id and its spec (the server depends on nothing else). */
export const serverKey = (job: JobRecord): string => `${job.keys}:${JSON.stringify(job.spec)}`;

/** Servers by `serverKey`, at most `limit` of them idle in memory. */
export interface ServerCache {
  /** Runs `use` on the server cached under `id`, loaded by `load` when not cached. Rejects as `load` or `use` do. */
  with<T>(id: string, load: () => Promise<Server>, use: (server: Server) => T | Promise<T>): Promise<T>;
  /** Frees every server. */
  close(): Promise<void>;
  /** Servers held. */
  readonly size: number;
}

/** A cache holding at most `limit` servers (at least 1) besides those in use. */
export function createServerCache(limit: number): ServerCache {
  const entries = new Map<string, Entry>();
  const free = (entry: Entry): void => void entry.server.then((s) => s.dispose(), () => {});
  const evict = (): void => {
    // Map order is insertion order; `with` re-inserts on use, so the first idle entries are the least recently used.
    for (const [id, entry] of entries) {
      if (entries.size <= Math.max(1, limit)) break;
      if (entry.users > 0) continue;
      entries.delete(id);
      free(entry);
    }
  };
  return {
    async with(id, load, use) {
      let entry = entries.get(id);
      if (entry === undefined) {
        entry = { server: load(), users: 0 };
        // A failed load is not cached: the next call loads again.
        entry.server.catch(() => { if (entries.get(id) === entry) entries.delete(id); });
      }
      entries.delete(id);
      entries.set(id, entry);
      entry.users++;
      try {
        return await use(await entry.server);
      } finally {
        entry.users--;
        evict();
      }
    },
    async close() {
      const all = [...entries.values()];
      entries.clear();
      await Promise.all(all.map((e) => e.server.then((s) => s.dispose(), () => {})));
    },
    get size() {
      return entries.size;
    },
  };
}
