import { existsSync } from 'node:fs';
import type { BaseOptions } from 'yeoman-generator';
import { ForgeGenerator } from '../lib/base.js';
import { FieldError, parseFields, sameField, SERVER_DEFAULT_TYPES, type FieldSpec } from '../lib/fields.js';
import {
  isModelFileEdited,
  loadSpecs,
  registerModel,
  saveSpec,
  writeMigration,
  writeModelFile,
} from '../lib/models.js';
import { parseModelName, pluralize, toSnakeCase } from '../lib/names.js';
import { columnNameError } from '../lib/fields.js';
import type { ModelSpec } from '../lib/spec.js';
import { askFields } from './prompts.js';

/** forge:model's options; forge:crud takes them too and forwards them. */
export type ModelOptions = BaseOptions & {
  name?: string;
  fields?: string[];
  table?: string;
  timestamps?: boolean;
  skipMigration?: boolean;
  'skip-migration'?: boolean;
  /** Yeoman's own --force: overwrite changed files without asking. */
  force?: boolean;
  /** Set by forge:crud when it runs forge:model: the resource is rendered by that run already. */
  fromCrud?: boolean;
};

/** Names a model class must not take: they would shadow what model modules and the registry import. */
const SHADOWED_NAMES = new Set([
  'Any',
  'Base',
  'Decimal',
  'Dict',
  'Field',
  'List',
  'Mapped',
  'Optional',
  'Relationship',
  'SQLModel',
  'Sequence',
  'TimestampMixin',
  'UTCDateTime',
  'UUID',
  'Union',
  'Settings',
  'AsyncSession',
  'Date',
  'Time',
  'DateTime',
  'JSON',
  'Text',
  'String',
  'Integer',
  'Boolean',
  'Float',
  'Numeric',
  'Uuid',
  'metadata',
]);

/**
 * `yo forge:model Name [field specs...]`: writes the model file in the project's ORM style, registers it
 * for Alembic, stores its spec in .forge/models/<Name>.json and writes the migration that matches it.
 * Run again with more fields, it adds them (and a migration adding the columns).
 */
export default class ModelGenerator extends ForgeGenerator {
  declare options: ModelOptions;
  declare spec: ModelSpec;
  declare specs: Map<string, ModelSpec>;
  /** Fields this run adds; all of them for a new model, none when nothing changes. */
  declare added: FieldSpec[];
  declare isNew: boolean;
  /** Specs whose back references change because this model references them. */
  declare touched: Set<string>;

  constructor(args: string[], options: ModelOptions) {
    super(args, options);
    this.argument('name', {
      type: String,
      required: false,
      description: 'Model class name, e.g. Post or BlogPost',
    });
    this.argument('fields', {
      type: Array,
      required: false,
      description: 'Field specs name:type[:modifier]... (see README); none: asked one by one',
    });
    this.option('table', {
      type: String,
      description: 'Table name (default: snake_case plural of the name)',
    });
    this.option('timestamps', {
      type: Boolean,
      default: true,
      description: 'Add created_at / updated_at (--no-timestamps to leave them out)',
    });
    this.option('skip-migration', {
      type: Boolean,
      default: false,
      description: 'Do not write a migration (run alembic revision --autogenerate yourself)',
    });
    this.option('from-crud', { type: Boolean, hide: true });
  }

  async initializing(): Promise<void> {
    this._loadForgeConfig();
    this.specs = loadSpecs(this);
    const name = parseModelName(this.options.name ?? '', 'forge:model', SHADOWED_NAMES);
    const existing = this.specs.get(name);
    this.isNew = existing === undefined;
    const table = this.options.table ?? existing?.table ?? pluralize(toSnakeCase(name));
    const tableError = columnNameError(table, 'Table');
    if (tableError !== undefined) throw new Error(tableError);
    if (existing !== undefined && this.options.table !== undefined && this.options.table !== existing.table) {
      throw new Error(
        `Model ${name} already uses the table "${existing.table}"; renaming tables is not supported.`,
      );
    }
    const clash = [...this.specs.values()].find((s) => s.table === table && s.name !== name);
    if (clash) throw new Error(`Table "${table}" already belongs to model ${clash.name}; pass --table.`);
    this.spec = existing ?? {
      name,
      table,
      module: toSnakeCase(name),
      timestamps: this.options.timestamps !== false,
      fields: [],
      backrefs: [],
    };
    if (existing !== undefined && (this.options.timestamps !== false) !== existing.timestamps) {
      throw new Error(
        `Model ${name} was created ${existing.timestamps ? 'with' : 'without'} timestamps; changing that is not supported.`,
      );
    }
    // A model with REST endpoints: its schemas, filters and tests follow the new fields in the same run.
    const resource = this.destinationPath(`.forge/resources/${name}.json`);
    if (this.options.fromCrud !== true && existing !== undefined && existsSync(resource)) {
      const options: Record<string, unknown> = this.options.force === true ? { force: true } : {};
      await this.composeWith('forge:crud', { generatorArgs: [name], generatorOptions: options });
    }
  }

  async prompting(): Promise<void> {
    let specs = this.options.fields ?? [];
    if (specs.length === 0 && this.isNew) {
      specs = await askFields(
        this,
        [...this.specs.keys(), this.spec.name].filter((v, i, a) => a.indexOf(v) === i),
      );
    }
    this._planFields(specs);
  }

  writing(): void {
    if (this.added.length === 0) {
      this.log.info(`${this.spec.name}: nothing to change (the fields are already defined).`);
      return;
    }
    const before = new Map(this.specs);
    this._refuseEditedModels([...new Set([this.spec.name, ...this.touched])], before);
    const spec: ModelSpec = { ...this.spec, fields: [...this.spec.fields, ...this.added] };
    this.specs.set(spec.name, spec);
    for (const field of this.added.filter((f) => f.ref !== undefined)) this._addBackref(spec, field);
    for (const name of new Set([spec.name, ...this.touched])) {
      const model = this.specs.get(name)!;
      saveSpec(this, model);
      const previous = before.get(name);
      writeModelFile(this, model, this.specs, this.forge, previous && { spec: previous, specs: before });
    }
    if (this.isNew) registerModel(this, spec);
    if (this.options.skipMigration === true || this.options['skip-migration'] === true) {
      this.log.info('Migration skipped: run `alembic revision --autogenerate -m "..."` and review it.');
      return;
    }
    const file = writeMigration(this, spec, this.specs, this.forge, this.isNew ? undefined : this.added);
    this.log.ok(`Migration alembic/versions/${file}; apply it with: alembic upgrade head`);
  }

  /**
   * Model files this run re-renders must be as forge wrote them: an edited one would be overwritten (or, without
   * a terminal, half the run would be written before Yeoman's prompt fails). --force overwrites.
   */
  _refuseEditedModels(names: string[], specs: ReadonlyMap<string, ModelSpec>): void {
    if (this.options.force === true) return;
    const edited = names
      .map((name) => specs.get(name))
      .filter(
        (spec): spec is ModelSpec => spec !== undefined && isModelFileEdited(this, spec, specs, this.forge),
      )
      .map((spec) => `app/models/${spec.module}.py`);
    if (edited.length > 0) {
      throw new Error(
        `${edited.join(', ')} changed since forge wrote it; forge:model would rewrite it. Move your changes elsewhere, or re-run with --force to overwrite them.`,
      );
    }
  }

  /** Decide which fields are new; refuse changes and additions that existing rows could not take. */
  _planFields(specs: string[]): void {
    let fields: FieldSpec[];
    try {
      fields = parseFields(specs);
    } catch (error) {
      if (error instanceof FieldError) throw new Error(error.message, { cause: error });
      throw error;
    }
    const { spec } = this;
    this.added = [];
    this.touched = new Set();
    for (const field of fields) {
      const current = spec.fields.find(
        (f) => f.name === field.name || (f.relation && f.relation === field.relation),
      );
      if (current !== undefined) {
        if (!sameField(current, field)) {
          throw new Error(
            `Field "${field.name}" of ${spec.name} already exists with another definition; changing fields is not supported yet.`,
          );
        }
        continue;
      }
      if (spec.backrefs.some((b) => b.name === field.name || b.name === field.relation)) {
        throw new Error(`"${field.relation ?? field.name}" is already a relationship of ${spec.name}.`);
      }
      this._checkTarget(field);
      if (
        !this.isNew &&
        !field.optional &&
        !(field.default !== undefined && SERVER_DEFAULT_TYPES.has(field.type))
      ) {
        throw new Error(
          `New required field "${field.name}" needs default=VALUE (str, int, bigint, float, decimal or bool) or optional, so that existing rows of ${spec.table} get a value.`,
        );
      }
      this.added.push(field);
    }
    if (spec.builtin && this.added.length > 0) {
      throw new Error(
        `${spec.name} is an authentication model written by forge:database; it cannot be changed with forge:model.`,
      );
    }
  }

  /** fk=table.column and ref=Model must name something that exists. */
  _checkTarget(field: FieldSpec): void {
    if (field.ref !== undefined) {
      if (field.ref !== this.spec.name && !this.specs.has(field.ref)) {
        throw new Error(
          `Field "${field.name}": ref=${field.ref} names no model; models: ${[...this.specs.keys()].join(', ')}.`,
        );
      }
      if (field.ref !== this.spec.name) this.touched.add(field.ref);
    }
    if (field.fk !== undefined) {
      const [table, column] = field.fk.split('.');
      const target = [...this.specs.values(), this.spec].find((s) => s.table === table);
      if (target === undefined)
        throw new Error(`Field "${field.name}": fk=${field.fk} names no table of this project.`);
      const targetColumn = target.fields.find((f) => f.name === column);
      if (column !== 'id' && !(targetColumn && targetColumn.unique)) {
        throw new Error(
          `Field "${field.name}": fk=${field.fk} must point at id or a unique column of ${table}.`,
        );
      }
    }
  }

  /** Record the one-to-many side on the referenced model: `posts` on User for Post.author. */
  _addBackref(spec: ModelSpec, field: FieldSpec): void {
    const target = this.specs.get(field.ref!)!;
    const taken = new Set([
      ...target.fields.map((f) => f.relation ?? f.name),
      ...target.backrefs.map((b) => b.name),
    ]);
    const plural = pluralize(spec.module);
    const name = taken.has(plural) ? `${field.relation}_${plural}` : plural;
    const updated = {
      ...target,
      backrefs: [...target.backrefs, { name, model: spec.name, relation: field.relation! }],
    };
    this.specs.set(updated.name, updated);
    if (updated.name === spec.name) Object.assign(spec, { backrefs: updated.backrefs });
  }
}
