import { FeatureGenerator } from '../app/feature.js';
import { REDIS_FILES } from './files.js';

/**
 * forge:redis: a Redis client with its connection pool in the lifespan beside the database, /health reporting
 * it, a cache helper, and (with auth) the rate limits' counters shared through it. Composed by `yo forge
 * --redis`; run on its own in a project, it adds Redis: its files, and the settings, lifespan, health check,
 * test fixtures, CI workflow and compose file that follow `redis`. Its dependency: redis, with hiredis.
 */
export default class RedisGenerator extends FeatureGenerator {
  readonly feature = 'redis';
  readonly label = 'Redis';
  readonly files = REDIS_FILES;

  _added(): string {
    return 'Redis added: REDIS_URL (default redis://localhost:6379/0) must answer before the app starts, unless REDIS_REQUIRED=false.';
  }
}
