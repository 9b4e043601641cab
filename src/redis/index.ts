import { enableFeature, installAdded, startAdding, writeFollowers } from '../app/feature.js';
import { ForgeGenerator } from '../lib/base.js';
import { renderFiles } from '../lib/files.js';
import { projectContext } from '../lib/registry.js';
import { REDIS_FILES } from './files.js';

/**
 * forge:redis: a Redis client with its connection pool in the lifespan beside the database, /health reporting
 * it, a cache helper, and (with auth) the rate limits' counters shared through it. Composed by `yo forge
 * --redis`; run on its own in a project, it adds Redis: its files, and the settings, lifespan, health check,
 * test fixtures, CI workflow and compose file that follow `redis`.
 */
export default class RedisGenerator extends ForgeGenerator {
  declare options: ForgeGenerator['options'] & { force?: boolean; defaults?: boolean };
  /** The project had no Redis before this run. */
  declare adding: boolean;
  /** Files of other generators that follow `redis`, as forge wrote them: updated without a question. */
  declare unedited: string[];
  /** The install phase added the new dependencies to .venv. */
  installed = false;

  constructor(...args: ConstructorParameters<typeof ForgeGenerator>) {
    super(...args);
    this.option('defaults', { type: Boolean, default: false, description: 'Ask nothing' });
  }

  initializing(): void {
    this._loadForgeConfig();
    ({ adding: this.adding, unedited: this.unedited } = startAdding(this, 'redis', 'Redis'));
  }

  configuring(): void {
    if (this.adding) enableFeature(this, 'redis');
  }

  writing(): void {
    if (this.adding) writeFollowers(this, this.unedited);
    renderFiles(this, REDIS_FILES, projectContext(this, this.forge));
  }

  /** The dependency Redis adds (redis, with hiredis) goes into .venv, if there is one. */
  async install(): Promise<void> {
    if (this.adding) this.installed = await installAdded(this);
  }

  end(): void {
    if (!this.adding) return;
    this.log.ok(
      `Redis added: REDIS_URL (default redis://localhost:6379/0) must answer before the app starts, unless REDIS_REQUIRED=false.${this.installed ? '' : " Next: pip install -e '.[dev]' (its new dependency)."}`,
    );
  }
}
