import { randomBytes } from 'node:crypto';
import { templateContext } from '../lib/config.js';
import { ForgeGenerator } from '../lib/base.js';
import { renderFiles } from '../lib/files.js';
import { findInitialMigration } from '../lib/migrations.js';
import { DATABASE_FILES } from './files.js';

export type DatabaseContext = ReturnType<typeof templateContext> & {
  /** Set per file: a random secret in .env, a placeholder in .env.example. */
  secretKey?: string;
  /** File name of the migration that creates the users table, or undefined when the project has it. */
  initialMigrationFile: string | undefined;
  revision: string;
  createDate: string;
  timestampType: string;
};

/**
 * forge:database: the async database layer for the project's database and ORM, the users model with its
 * CRUD class, schemas and router, Alembic with the initial migration, settings and the test suite.
 */
export default class DatabaseGenerator extends ForgeGenerator {
  initializing(): void {
    this._loadForgeConfig();
  }

  writing(): void {
    const now = new Date();
    const revision = randomBytes(6).toString('hex');
    const existing = findInitialMigration(this.destinationPath('alembic/versions'));
    const context: DatabaseContext = {
      ...templateContext(this.forge),
      initialMigrationFile:
        existing === undefined ? `${migrationStamp(now)}_${revision}_create_users_table.py` : undefined,
      revision,
      createDate: now.toISOString().replace('T', ' ').replace('Z', '+00:00'),
      timestampType: this.forge.database === 'mysql' ? 'mysql.DATETIME(fsp=6)' : 'sa.DateTime(timezone=True)',
    };
    renderFiles(this, DATABASE_FILES, context);
  }
}

/** `20261123_2305`: the date prefix alembic.ini's file_template gives migration files. */
function migrationStamp(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return (
    `${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}` +
    `_${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}`
  );
}
