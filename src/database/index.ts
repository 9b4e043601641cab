import { templateContext } from '../lib/config.js';
import { ForgeGenerator } from '../lib/base.js';
import { parseFields } from '../lib/fields.js';
import { renderFiles } from '../lib/files.js';
import { registryLines, type RegistryLines } from '../lib/registry.js';
import { loadSpecs, saveSpec, writeMigration, writeModelFile } from '../lib/models.js';
import type { ModelSpec } from '../lib/spec.js';
import { BUILTIN_MODELS } from '../lib/builtin-models.js';
import { DATABASE_FILES } from './files.js';

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
