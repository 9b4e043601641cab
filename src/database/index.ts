import { templateContext } from '../lib/config.js';
import { ForgeGenerator } from '../lib/base.js';
import { parseFields } from '../lib/fields.js';
import { renderFiles } from '../lib/files.js';
import { registryLines, type RegistryLines } from '../lib/registry.js';
import { loadSpecs, saveSpec, writeMigration, writeModelFile } from '../lib/models.js';
import type { ModelSpec } from '../lib/spec.js';
import { DATABASE_FILES } from './files.js';

export type DatabaseContext = ReturnType<typeof templateContext> & {
  /** Every stored model, so that the registry renders as forge:model left it. */
  registry: RegistryLines;
  /** Set per file: a random secret in .env, a placeholder in .env.example. */
  secretKey?: string;
  /** The .env.example secret, which the settings refuse in production. */
  secretKeyPlaceholder?: string;
};

/** The authentication models, defined in the field DSL like any other model. */
const BUILTIN_MODELS: readonly (Pick<ModelSpec, 'name' | 'table' | 'module' | 'doc'> & {
  fields: string[];
  /** Written only for projects with JWT authentication. */
  authOnly?: boolean;
})[] = [
  {
    name: 'User',
    table: 'users',
    module: 'user',
    doc: 'accounts that can authenticate',
    fields: [
      'username:str:max=50:unique:index',
      'email:str:max=255:unique:index',
      'hashed_password:str:max=255',
      'is_active:bool:default=true',
      'is_superuser:bool:default=false',
    ],
  },
  {
    name: 'RefreshToken',
    table: 'refresh_tokens',
    module: 'refresh_token',
    doc: 'one per refresh token issued, kept as a SHA-256 hash',
    authOnly: true,
    fields: [
      'user_id:int:fk=users.id:ondelete=cascade:index',
      'token_hash:str:max=64:unique:index',
      'expires_at:datetime',
      'revoked_at:datetime:optional',
    ],
  },
];

/**
 * forge:database: the async database layer for the project's database and ORM, the users model with its
 * CRUD class, schemas and router, Alembic with the initial migration, settings and the test suite; with
 * --auth, JWT authentication and the refresh-token table.
 */
export default class DatabaseGenerator extends ForgeGenerator {
  initializing(): void {
    this._loadForgeConfig();
  }

  writing(): void {
    renderFiles(this, DATABASE_FILES, { ...templateContext(this.forge), registry: registryLines(this) });
    this._writeBuiltinModels();
  }

  /** The authentication models go through the model machinery: spec, model file and (once) migration. */
  _writeBuiltinModels(): void {
    const specs = loadSpecs(this);
    for (const model of BUILTIN_MODELS) {
      if (model.authOnly && !this.forge.auth) continue;
      const stored = specs.get(model.name);
      const spec: ModelSpec = stored ?? {
        name: model.name,
        table: model.table,
        module: model.module,
        doc: model.doc,
        timestamps: true,
        fields: parseFields(model.fields),
        backrefs: [],
        builtin: true,
      };
      specs.set(spec.name, spec);
      saveSpec(this, spec);
      writeModelFile(this, spec, specs, this.forge);
      // The registry's template already imports these models.
      if (stored === undefined) writeMigration(this, spec, specs, this.forge);
    }
  }
}
