import { templateContext } from '../lib/config.js';
import { ForgeGenerator } from '../lib/base.js';
import { parseFields } from '../lib/fields.js';
import { renderFiles } from '../lib/files.js';
import { loadSpecs, saveSpec, writeMigration, writeModelFile } from '../lib/models.js';
import type { ModelSpec } from '../lib/spec.js';
import { DATABASE_FILES } from './files.js';

export type DatabaseContext = ReturnType<typeof templateContext> & {
  /** Set per file: a random secret in .env, a placeholder in .env.example. */
  secretKey?: string;
};

/** The authentication model, defined in the field DSL like any other model. */
const USER_FIELDS = [
  'username:str:max=50:unique:index',
  'email:str:max=255:unique:index',
  'hashed_password:str:max=255',
  'is_active:bool:default=true',
  'is_superuser:bool:default=false',
];

/**
 * forge:database: the async database layer for the project's database and ORM, the users model with its
 * CRUD class, schemas and router, Alembic with the initial migration, settings and the test suite.
 */
export default class DatabaseGenerator extends ForgeGenerator {
  initializing(): void {
    this._loadForgeConfig();
  }

  writing(): void {
    renderFiles(this, DATABASE_FILES, templateContext(this.forge));
    this._writeUserModel();
  }

  /** The users model goes through the model machinery: spec, model file and (once) its migration. */
  _writeUserModel(): void {
    const specs = loadSpecs(this);
    const stored = specs.get('User');
    const user: ModelSpec = stored ?? {
      name: 'User',
      table: 'users',
      module: 'user',
      timestamps: true,
      fields: parseFields(USER_FIELDS),
      backrefs: [],
      builtin: true,
    };
    specs.set(user.name, user);
    saveSpec(this, user);
    writeModelFile(this, user, specs, this.forge);
    if (stored === undefined) writeMigration(this, user, specs, this.forge);
  }
}
