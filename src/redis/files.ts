import type { FileEntry } from '../lib/files.js';
import type { DatabaseContext } from '../database/index.js';

/**
 * What forge:redis writes: the client and its pool, the cache helper, and their tests. The settings, the
 * lifespan, /health, the rate limits' storage, the test fixtures, compose and the CI workflow follow the
 * project's `redis` in their own generators' files.
 */
export const REDIS_FILES: readonly FileEntry<DatabaseContext>[] = [
  { to: 'app/core/redis.py' },
  { to: 'app/core/cache.py' },
  { to: 'tests/test_redis.py' },
];
