import type { templateContext } from '../lib/config.js';
import { ForgeGenerator } from '../lib/base.js';
import type { RegistryLines } from '../lib/registry.js';
import { writeDatabaseFiles } from './files.js';

export type DatabaseContext = ReturnType<typeof templateContext> & {
  /** Every stored model, so that the registry renders as forge:model left it. */
  registry: RegistryLines;
  /** Set per file: a random secret in .env, a placeholder in .env.example. */
  secretKey?: string;
  /** The .env.example secret, which the settings refuse in production. */
  secretKeyPlaceholder?: string;
};

/**
 * forge:database: the async database layer for the project's database and ORM, the users model with its
 * CRUD class, schemas and router, Alembic with the initial migration, settings and the test suite
 * (authentication's own files are forge:auth's).
 */
export default class DatabaseGenerator extends ForgeGenerator {
  initializing(): void {
    this._loadForgeConfig();
  }

  writing(): void {
    writeDatabaseFiles(this, this.forge);
  }
}
