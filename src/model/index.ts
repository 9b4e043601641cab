import { existsSync } from 'node:fs';
import type { BaseOptions } from 'yeoman-generator';
import { ForgeGenerator } from '../lib/base.js';
import { changeError, writeChangeMigration, type FieldChange } from '../lib/evolution.js';
import { INTERNAL_MODELS } from '../lib/builtin-models.js';
import {
  FieldError,
  fillsExistingRows,
  parseField,
  parseFields,
  sameField,
  fieldNameError,
  validateField,
  type FieldSpec,
} from '../lib/fields.js';
import {
  isModelFileEdited,
  loadSpecs,
  registerModel,
  unregisterModel,
  writeLinkMigration,
  saveSpec,
  writeMigration,
  writeModelFile,
} from '../lib/models.js';
import { parseModelName, pluralize, singularize, toSnakeCase, unknownModel } from '../lib/names.js';
import { columnNameError } from '../lib/fields.js';
import { linkIds, specPath, type BackRef, type Link, type ModelSpec } from '../lib/spec.js';
import { askFields, refusalOf, type FieldQuestions } from './prompts.js';

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
  /** Replace the definition of fields that exist (same name, new definition). */
  change?: boolean;
  /** `old:new[,old:new]`: rename fields, keeping their data. */
  rename?: string | string[];
  /** `name[,name]`: remove fields (and their data). */
  remove?: string | string[];
  defaults?: boolean;
  /** Remove the model: its file, registry lines, spec and table (a migration drops it). */
  destroy?: boolean;
  /** Set by forge:import, which asked already: removals need no confirmation. */
  confirmed?: boolean;
};

/** Comma-separated values of an option that may also be given more than once. */
function listOption(value: string | string[] | undefined): string[] {
  return [value ?? []]
    .flat()
    .flatMap((item) => item.split(','))
    .map((item) => item.trim())
    .filter(Boolean);
}

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
  /** Existing fields this run changes, renames or removes, in the order given. */
  declare changes: FieldChange[];
  /** Many-to-many links this run adds. */
  declare links: Link[];
  /** Many-to-many links this run removes (--remove), their association tables dropped. */
  declare unlinked: Link[];
  /** --rename of many-to-many links: each link with its new name (its association table keeps its name). */
  declare relinked: [link: Link, name: string][];

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
    this.option('change', {
      type: Boolean,
      default: false,
      description:
        'Fields given that exist already get their new definition (type, max, precision, optional, unique, index, default), with a migration that alters the columns',
    });
    this.option('rename', {
      type: String,
      description:
        'old:new[,old:new]: rename fields, keeping their data (a reference by its relation: author:writer)',
    });
    this.option('remove', {
      type: String,
      description: 'name[,name]: remove fields and their data (asks to confirm; --force does not ask)',
    });
    this.option('destroy', {
      type: Boolean,
      default: false,
      description:
        'Remove the model: its file, its registry lines, its spec, and its table with a migration (asks to confirm; --force does not ask)',
    });
    this.option('defaults', { type: Boolean, default: false, description: 'Ask nothing' });
    this.option('confirmed', { type: Boolean, hide: true });
    this.option('from-crud', { type: Boolean, hide: true });
  }

  async initializing(): Promise<void> {
    this._loadForgeConfig();
    this.specs = loadSpecs(this);
    const raw =
      (this.options.name ?? '').trim() === '' && this._canAsk() ? await this._askName() : this.options.name;
    const name = parseModelName(raw ?? '', 'forge:model', SHADOWED_NAMES);
    const existing = this.specs.get(name);
    this.isNew = existing === undefined;
    if (existing !== undefined && raw?.trim() !== name)
      this.log.info(`"${raw?.trim()}" is the existing model ${name}.`);
    if (this.options.destroy === true) {
      this._planDestroy(name, existing);
      return;
    }
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
    this.changes = [];
    this.links = [];
    this.unlinked = [];
    this.relinked = [];
    this.touched = new Set();
    this._planRenames(listOption(this.options.rename));
    this._planRemovals(listOption(this.options.remove));
    // A model with REST endpoints: its schemas, filters and tests follow the new fields in the same run.
    const resource = this.destinationPath(`.forge/resources/${name}.json`);
    if (this.options.fromCrud !== true && existing !== undefined && existsSync(resource)) {
      const options: Record<string, unknown> = this.options.force === true ? { force: true } : {};
      const renamed = this.changes.filter((c) => c.kind === 'rename');
      if (renamed.length > 0) {
        options['renamed'] = renamed.map((c) => `${c.before.name}:${c.after.name}`).join(',');
      }
      await this.composeWith('forge:crud', { generatorArgs: [name], generatorOptions: options });
    }
  }

  async prompting(): Promise<void> {
    if (this.options.destroy === true) {
      await this._confirm(
        `The migration drops the table ${this.spec.table} and every row in it (its downgrade recreates the table, empty). Go on?`,
        `--destroy drops the table ${this.spec.table} and its rows; re-run with --force to confirm.`,
      );
      return;
    }
    await this._confirmRemovals();
    let specs = this.options.fields ?? [];
    if (specs.length === 0 && this._asksFields()) specs = await askFields(this, this._fieldQuestions());
    this._planFields(specs);
  }

  /** The model name, asked when the command line has none. */
  async _askName(): Promise<string> {
    const { model } = await this.prompt<{ model: string }>({
      type: 'input',
      name: 'model',
      message: 'Model name (e.g. BlogPost; an existing one to add fields to it)',
      validate: (input: string) =>
        refusalOf(() => parseModelName(input, 'forge:model', SHADOWED_NAMES)) ?? true,
    });
    return model;
  }

  /**
   * No field spec given: a new model asks for its fields (refused when nobody can answer), an existing one for
   * fields to add, unless the run does something else (--change, --rename, --remove) or the model is builtin.
   */
  _asksFields(): boolean {
    if (this.isNew) {
      if (this._canAsk()) return true;
      throw new Error(
        `Model ${this.spec.name} needs fields: yo forge:model ${this.spec.name} name:type[:modifier]... (or run it in a terminal to be asked).`,
      );
    }
    const { change, rename, remove } = this.options;
    return (
      this._canAsk() &&
      this.spec.builtin !== true &&
      this.options.fromCrud !== true &&
      change !== true &&
      rename === undefined &&
      remove === undefined
    );
  }

  /** What askFields needs: the models a reference may point at, the names taken, and this generator's checks. */
  _fieldQuestions(): FieldQuestions {
    const { spec } = this;
    return {
      model: spec.name,
      isNew: this.isNew,
      targets: [...this.specs.keys()].filter((name) => name !== spec.name && !INTERNAL_MODELS.has(name)),
      taken: [
        ...spec.fields.flatMap((f) => [f.name, f.relation ?? []].flat()),
        ...spec.backrefs.map((b) => b.name),
        ...(spec.links ?? []).flatMap((l) => [l.name, linkIds(l)]),
      ],
      check: (text) =>
        refusalOf(() => {
          if (/^[^:]*:many=/.test(text)) return this._checkLink(text, []);
          const field = parseField(text);
          this._checkTarget(field);
          this._checkFillsRows(field);
        }),
    };
  }

  writing(): void {
    if (this.options.destroy === true) {
      this._destroy();
      return;
    }
    if (
      this.added.length === 0 &&
      this.changes.length === 0 &&
      this.links.length === 0 &&
      this.unlinked.length === 0 &&
      this.relinked.length === 0
    ) {
      this._atEnd('info', `${this.spec.name}: nothing to change (the fields are already defined).`);
      return;
    }
    const before = new Map(this.specs);
    this._refuseEditedModels([...new Set([this.spec.name, ...this.touched])], before);
    const fields = this.spec.fields.flatMap((field) => {
      const change = this.changes.find((c) => c.before.name === field.name);
      if (change === undefined) return [field];
      return change.kind === 'remove' ? [] : [change.after];
    });
    const spec: ModelSpec = { ...this.spec, fields: [...fields, ...this.added] };
    const renamedLinks = new Map(this.relinked);
    const links = [
      ...(this.spec.links ?? [])
        .filter((l) => !this.unlinked.includes(l))
        .map((l) => (renamedLinks.has(l) ? { ...l, name: renamedLinks.get(l)! } : l)),
      ...this.links,
    ];
    if (links.length > 0) spec.links = links;
    else delete spec.links;
    for (const link of this.unlinked) {
      const target = this.specs.get(link.model)!;
      const backrefs = target.backrefs.filter((b) => !(b.model === spec.name && b.relation === link.name));
      this.specs.set(target.name, { ...target, backrefs });
    }
    this.specs.set(spec.name, spec);
    for (const link of this.links) this._addLinkBackref(spec, link);
    for (const change of this.changes) this._updateBackref(spec, change);
    for (const [link, name] of this.relinked) {
      const target = this.specs.get(link.model)!;
      const backrefs = target.backrefs.map((b) =>
        b.model === spec.name && b.relation === link.name ? { ...b, relation: name } : b,
      );
      this.specs.set(target.name, { ...target, backrefs });
      this._atEnd(
        'info',
        `${spec.name}.${link.name} is now ${spec.name}.${name} (${linkIds({ name })}); its table ${link.table} keeps its name: no migration.`,
      );
    }
    for (const field of this.added.filter((f) => f.ref !== undefined)) this._addBackref(spec, field);
    for (const name of new Set([spec.name, ...this.touched])) {
      const model = this.specs.get(name)!;
      saveSpec(this, model);
      const previous = before.get(name);
      writeModelFile(this, model, this.specs, this.forge, previous && { spec: previous, specs: before });
    }
    if (this.isNew) registerModel(this, spec);
    if (this.options.skipMigration === true || this.options['skip-migration'] === true) {
      this._atEnd('info', 'Migration skipped: run `alembic revision --autogenerate -m "..."` and review it.');
      return;
    }
    const files: string[] = [];
    if (this.isNew || this.added.length > 0) {
      files.push(writeMigration(this, spec, this.specs, this.forge, this.isNew ? undefined : this.added));
    }
    for (const link of this.unlinked) files.push(writeLinkMigration(this, this.spec, link, before, true));
    for (const link of this.links) files.push(writeLinkMigration(this, spec, link, this.specs));
    if (this.changes.length > 0) {
      const file = writeChangeMigration(this, this.spec, before, this.forge, this.changes);
      if (file === undefined)
        this._atEnd('info', `${spec.table}: the change is in Python only; no migration.`);
      else files.push(file);
    }
    for (const file of files) {
      this._atEnd('ok', `Migration alembic/versions/${file}; apply it with: alembic upgrade head`);
    }
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
  _planFields(all: string[]): void {
    const specs = all.filter((s) => !/^[^:]*:many=/.test(s));
    this._planLinks(
      all.filter((s) => /^[^:]*:many=/.test(s)),
      specs.map((s) => s.split(':')[0]!.replace(/_id$/, '')),
    );
    let fields: FieldSpec[];
    try {
      fields = parseFields(specs);
    } catch (error) {
      if (error instanceof FieldError) throw new Error(error.message, { cause: error });
      throw error;
    }
    const { spec } = this;
    this.added = [];
    for (const field of fields) {
      const current = spec.fields.find(
        (f) => f.name === field.name || (f.relation && f.relation === field.relation),
      );
      if (current !== undefined) {
        if (sameField(current, field)) continue;
        const label = current.relation ?? current.name;
        if (this.options.change !== true) {
          throw new Error(
            `Field "${label}" of ${spec.name} already exists with another definition: pass --change to give it the new one (a migration alters the column).`,
          );
        }
        if (this.changes.some((c) => c.before.name === current.name)) {
          throw new Error(
            `Field "${label}" of ${spec.name} is renamed or removed in this run; change it in another run.`,
          );
        }
        const error = changeError(spec.name, current, field);
        if (error !== undefined) throw new Error(error);
        this._checkCycle(field);
        this.changes.push({ kind: 'change', before: current, after: field });
        continue;
      }
      const links = (spec.links ?? []).flatMap((l) => [l.name, linkIds(l)]);
      if (
        spec.backrefs.some((b) => b.name === field.name || b.name === field.relation) ||
        links.includes(field.name) ||
        links.includes(field.relation ?? '')
      ) {
        throw new Error(`"${field.relation ?? field.name}" is already a relationship of ${spec.name}.`);
      }
      this._checkTarget(field);
      if (field.ref !== undefined && field.ref !== spec.name) this.touched.add(field.ref);
      this._checkFillsRows(field);
      this.added.push(field);
    }
    if (spec.builtin && (this.added.length > 0 || this.changes.length > 0)) {
      throw new Error(
        `${spec.name} is an authentication model written by forge:database; it cannot be changed with forge:model.`,
      );
    }
  }

  /** A field added to an existing model must give its rows a value. */
  _checkFillsRows(field: FieldSpec): void {
    if (this.isNew || fillsExistingRows(field)) return;
    throw new Error(
      `New required field "${field.name}" needs default=VALUE (str, int, bigint, float, decimal or bool) or optional, so that existing rows of ${this.spec.table} get a value.`,
    );
  }

  /** The stored field named `name` (its column, or its relation for a reference); an error names the fields. */
  _findField(name: string, flag: string): FieldSpec {
    const field = this.spec.fields.find((f) => f.name === name || f.relation === name);
    if (field === undefined) {
      const names = this.spec.fields.map((f) => f.relation ?? f.name).join(', ');
      throw new Error(
        `${flag} ${name}: ${this.spec.name} has no field "${name}"; its fields: ${names || 'none'}.`,
      );
    }
    if (this.spec.builtin) {
      throw new Error(
        `${this.spec.name} is an authentication model written by forge:database; it cannot be changed with forge:model.`,
      );
    }
    if (this.changes.some((c) => c.before.name === field.name)) {
      throw new Error(`${flag} ${name}: field "${name}" is already renamed or removed in this run.`);
    }
    return field;
  }

  /** Refuse, for `flag`, a column that other models' plain foreign keys (fk=table.column) point at. */
  _refuseForeignKeysTo(column: string, flag: string, remedy: string): void {
    const users = [...this.specs.values()].flatMap((model) =>
      model.fields
        .filter((f) => f.fk === `${this.spec.table}.${column}`)
        .map((f) => `${model.name}.${f.name}`),
    );
    if (users.length === 0) return;
    const one = users.length === 1;
    throw new Error(
      `${flag}: ${users.join(', ')} reference${one ? 's' : ''} ${this.spec.table}.${column} (fk=); ${remedy} ${one ? 'that field' : 'those fields'} first.`,
    );
  }

  /** --rename old:new: checked against every name the model has, before anything is written. */
  _planRenames(pairs: string[]): void {
    if (pairs.length > 0 && this.isNew)
      throw new Error(`--rename: model ${this.spec.name} does not exist yet.`);
    for (const pair of pairs) {
      const match = /^([a-z][a-z0-9_]*):([a-z][a-z0-9_]*)$/.exec(pair);
      if (!match)
        throw new Error(`Invalid --rename "${pair}": expected old:new, e.g. --rename title:headline.`);
      const [, from = '', to = ''] = match;
      const link = (this.spec.links ?? []).find((l) => l.name === from);
      if (link !== undefined) {
        this._planLinkRename(link, to, pair);
        continue;
      }
      const before = this._findField(from, '--rename');
      const relation = before.ref === undefined ? undefined : to.replace(/_id$/, '');
      const after: FieldSpec = { ...before, name: relation === undefined ? to : `${relation}_id`, relation };
      if (relation === undefined) delete after.relation;
      const taken = [
        ...this.spec.fields
          .filter((f) => !this.changes.some((c) => c.before.name === f.name) && f !== before)
          .flatMap((f) => [f.name, f.relation]),
        ...this.changes.flatMap((c) => (c.kind === 'rename' ? [c.after.name, c.after.relation] : [])),
        ...this.spec.backrefs.map((b) => b.name),
      ];
      const clash = [after.name, after.relation].find((n) => n !== undefined && taken.includes(n));
      if (clash !== undefined)
        throw new Error(
          `--rename ${pair}: ${this.spec.name} already has a field or relationship "${clash}".`,
        );
      if (after.name === before.name) throw new Error(`--rename ${pair}: the new name is the current one.`);
      try {
        validateField(after);
      } catch (error) {
        if (error instanceof FieldError)
          throw new Error(`--rename ${pair}: ${error.message}`, { cause: error });
        throw error;
      }
      this._refuseForeignKeysTo(before.name, `--rename ${pair}`, 'remove or change');
      if (before.ref !== undefined && before.ref !== this.spec.name) this.touched.add(before.ref);
      this.changes.push({ kind: 'rename', before, after });
    }
  }

  /** --rename of a many-to-many link: the relationship and its ids get the new name, the table keeps its own. */
  _planLinkRename(link: Link, name: string, pair: string): void {
    const nameError = fieldNameError(name);
    if (nameError !== undefined) throw new Error(`--rename ${pair}: ${nameError}`);
    const { spec } = this;
    const taken = [
      ...spec.fields.flatMap((f) => [f.name, f.relation]),
      ...spec.backrefs.map((b) => b.name),
      ...(spec.links ?? []).filter((l) => l !== link).flatMap((l) => [l.name, linkIds(l)]),
      ...this.changes.flatMap((c) => (c.kind === 'rename' ? [c.after.name, c.after.relation] : [])),
      ...this.relinked.flatMap(([, other]) => [other, linkIds({ name: other })]),
    ];
    const clash = [name, linkIds({ name })].find((n) => taken.includes(n));
    if (clash !== undefined) {
      throw new Error(`--rename ${pair}: ${spec.name} already has a field or relationship "${clash}".`);
    }
    if (name === link.name) throw new Error(`--rename ${pair}: the new name is the current one.`);
    this.touched.add(link.model);
    this.relinked.push([link, name]);
  }

  /** --remove name: refused while something depends on the field. */
  _planRemovals(names: string[]): void {
    if (names.length > 0 && this.isNew)
      throw new Error(`--remove: model ${this.spec.name} does not exist yet.`);
    for (const name of names) {
      const link = (this.spec.links ?? []).find((l) => l.name === name);
      if (link !== undefined) {
        if (this.unlinked.includes(link)) throw new Error(`--remove ${name}: given twice.`);
        this.unlinked.push(link);
        this.touched.add(link.model);
        continue;
      }
      const before = this._findField(name, '--remove');
      this._refuseForeignKeysTo(before.name, `--remove ${name}`, 'remove');
      const record = this.fs.readJSON(this.destinationPath(`.forge/resources/${this.spec.name}.json`)) as
        { owner?: string | null } | undefined;
      if (record?.owner === before.name) {
        throw new Error(
          `--remove ${name}: it holds each ${this.spec.name}'s owner; run yo forge:crud ${this.spec.name} --owner none first.`,
        );
      }
      if (before.ref !== undefined && before.ref !== this.spec.name) this.touched.add(before.ref);
      this.changes.push({ kind: 'remove', before });
    }
    const left = this.spec.fields.filter(
      (f) => !this.changes.some((c) => c.kind === 'remove' && c.before === f),
    );
    const onlyLinks = this.unlinked.length === names.length;
    if (names.length > 0 && !onlyLinks && left.length === 0 && (this.options.fields ?? []).length === 0) {
      throw new Error(
        `--remove: ${this.spec.name} would have no field left; yo forge:model ${this.spec.name} --destroy removes the model.`,
      );
    }
  }

  /** Removing fields deletes their data: asked once, unless --force; refused when nobody can answer. */
  async _confirmRemovals(): Promise<void> {
    const removed = [
      ...this.changes.filter((c) => c.kind === 'remove').map((c) => `${this.spec.table}.${c.before.name}`),
      ...this.unlinked.map((l) => `${l.table} (the links of ${this.spec.name}.${l.name})`),
    ];
    if (removed.length === 0) return;
    await this._confirm(
      `The migration deletes every value in ${removed.join(', ')} (its downgrade restores the column, not the data). Go on?`,
      `--remove deletes the data in ${removed.join(', ')}; re-run with --force to confirm.`,
    );
  }

  /** --destroy: refused while anything depends on the model; checked before anything is written. */
  _planDestroy(name: string, existing: ModelSpec | undefined): void {
    if (existing === undefined) {
      throw new Error(
        `--destroy: there is no model ${name} (.forge/models/${name}.json); models: ${[...this.specs.keys()].join(', ')}.`,
      );
    }
    this.spec = existing;
    this.added = [];
    this.changes = [];
    if (existing.builtin) {
      throw new Error(
        `${name} is an authentication model written by forge:database; it cannot be destroyed.`,
      );
    }
    const others = [
      this.options.rename,
      this.options.remove,
      this.options.change === true ? '--change' : undefined,
    ];
    if ((this.options.fields ?? []).length > 0 || others.some((value) => value !== undefined)) {
      throw new Error('--destroy takes no field specs and no --change, --rename or --remove.');
    }
    const users = [...this.specs.values()]
      .filter((model) => model.name !== name)
      .flatMap((model) =>
        model.fields
          .filter((f) => f.ref === name || f.fk?.split('.')[0] === existing.table)
          .map((f) => `${model.name}.${f.relation ?? f.name}`),
      );
    users.push(
      ...[...this.specs.values()]
        .filter((model) => model.name !== name)
        .flatMap((model) =>
          (model.links ?? []).filter((l) => l.model === name).map((l) => `${model.name}.${l.name}`),
        ),
    );
    if (users.length > 0) {
      throw new Error(
        `--destroy: ${users.join(', ')} reference${users.length === 1 ? 's' : ''} ${name}; remove ${users.length === 1 ? 'that field' : 'those fields'} first (yo forge:model <Model> --remove <field>).`,
      );
    }
    if (this.options.fromCrud !== true && existsSync(this.destinationPath(`.forge/resources/${name}.json`))) {
      throw new Error(
        `--destroy: ${name} has REST endpoints; yo forge:crud ${name} --destroy removes them and the model.`,
      );
    }
    this.touched = new Set([
      ...existing.fields.flatMap((f) => (f.ref !== undefined && f.ref !== name ? [f.ref] : [])),
      ...(existing.links ?? []).flatMap((l) => (l.model !== name ? [l.model] : [])),
    ]);
    this._refuseEditedModels([name, ...this.touched], this.specs);
  }

  /** Delete the model's file, spec and registry lines; drop back references; write the drop-table migration. */
  _destroy(): void {
    const before = new Map(this.specs);
    const { spec } = this;
    this.specs.delete(spec.name);
    for (const name of this.touched) {
      const target = this.specs.get(name)!;
      const updated = { ...target, backrefs: target.backrefs.filter((b) => b.model !== spec.name) };
      this.specs.set(name, updated);
      saveSpec(this, updated);
      writeModelFile(this, updated, this.specs, this.forge, { spec: target, specs: before });
    }
    this.fs.delete(this.destinationPath(`app/models/${spec.module}.py`));
    this.fs.delete(this.destinationPath(specPath(spec.name)));
    unregisterModel(this, spec);
    this._atEnd(
      'ok',
      `${spec.name} removed: app/models/${spec.module}.py, its registry lines and ${specPath(spec.name)}.`,
    );
    if (this.options.skipMigration === true || this.options['skip-migration'] === true) {
      this._atEnd('info', 'Migration skipped: run `alembic revision --autogenerate -m "..."` and review it.');
      return;
    }
    // The association tables first: they reference the table.
    for (const link of spec.links ?? []) {
      const file = writeLinkMigration(this, spec, link, before, true);
      this._atEnd('ok', `Migration alembic/versions/${file} drops ${link.table}.`);
    }
    const file = writeMigration(this, spec, before, this.forge, undefined, true);
    this._atEnd(
      'ok',
      `Migration alembic/versions/${file} drops ${spec.table}; apply it with: alembic upgrade head`,
    );
  }

  end(): void {
    this._printAtEnd();
  }

  /** `name:many=Model` specs: many-to-many links to existing models, each through its association table. */
  _planLinks(specs: string[], fieldNames: string[]): void {
    this.links = [];
    for (const text of specs) {
      const link = this._checkLink(text, fieldNames);
      if (link === undefined) continue;
      if (link.model !== this.spec.name) this.touched.add(link.model);
      this.links.push(link);
    }
  }

  /**
   * One `name:many=Model` spec, checked against the model, the project's tables and the links planned so far: its
   * link, or undefined when the model has that link already.
   */
  _checkLink(text: string, fieldNames: string[]): Link | undefined {
    const { spec } = this;
    const match = /^([a-z][a-z0-9_]*):many=([A-Za-z][A-Za-z0-9]*)$/.exec(text);
    if (!match) {
      throw new Error(
        `Invalid many-to-many "${text}": expected name:many=Model, e.g. tags:many=Tag (no other modifier).`,
      );
    }
    const [, name = '', model = ''] = match;
    const existing = (spec.links ?? []).find((l) => l.name === name);
    if (existing?.model === model) return undefined;
    if (existing !== undefined) throw new Error(`"${name}" already links ${spec.name} to ${existing.model}.`);
    const nameError = fieldNameError(name);
    if (nameError !== undefined) throw new Error(nameError);
    // A link to the model itself names the linked row's column after the link: post_id and related_id.
    const column = model === spec.name ? `${singularize(name)}_id` : undefined;
    if (column === `${spec.module}_id`) {
      throw new Error(
        `"${text}": a link from ${spec.name} to itself needs a name for the linked rows' role, e.g. related:many=${spec.name}.`,
      );
    }
    const target = model === spec.name ? spec : this.specs.get(model);
    if (target === undefined) {
      throw new Error(`"${text}": many=${model} names ${unknownModel(model, [...this.specs.keys()])}`);
    }
    const taken = [
      ...spec.fields.flatMap((f) => [f.name, f.relation]),
      ...spec.backrefs.map((b) => b.name),
      ...this.links.map((l) => l.name),
      ...fieldNames,
    ];
    if (taken.includes(name))
      throw new Error(`"${name}" is already a field or relationship of ${spec.name}.`);
    const ids = linkIds({ name });
    if (taken.includes(ids)) {
      throw new Error(
        `"${text}": the API would hold its ids in "${ids}", already a field of ${spec.name}; name the link otherwise.`,
      );
    }
    const table = `${spec.module}_${name}`;
    const tableError = columnNameError(table, 'Table');
    if (tableError !== undefined) throw new Error(tableError);
    const tables = [
      ...[...this.specs.values()].flatMap((s) => [s.table, ...(s.links ?? []).map((l) => l.table)]),
      ...this.links.map((l) => l.table),
      spec.table,
    ];
    if (tables.includes(table))
      throw new Error(`"${text}": its association table "${table}" would clash with an existing table.`);
    return column === undefined ? { name, model, table } : { name, model, table, column };
  }

  /** The other side of a many-to-many link: `posts` on Tag for Post.tags. */
  _addLinkBackref(spec: ModelSpec, link: Link): void {
    const target = this.specs.get(link.model)!;
    const taken = new Set([
      ...target.fields.map((f) => f.relation ?? f.name),
      ...target.backrefs.map((b) => b.name),
      ...(target.links ?? []).map((l) => l.name),
    ]);
    // The other side of a link to the model itself: related -> related_of (the rows that link to this one).
    const plural = target.name === spec.name ? `${link.name}_of` : pluralize(spec.module);
    const name = taken.has(plural) ? `${link.name}_${plural}` : plural;
    const backref: BackRef = { name, model: spec.name, relation: link.name, link: link.table };
    const backrefs = [...target.backrefs, backref];
    this.specs.set(target.name, { ...target, backrefs });
    if (target.name === spec.name) Object.assign(spec, { backrefs });
  }

  /** A renamed or removed reference: the back reference on the model it points at follows. */
  _updateBackref(spec: ModelSpec, change: FieldChange): void {
    if (change.kind === 'change' || change.before.ref === undefined) return;
    const target = this.specs.get(change.before.ref)!;
    const backrefs = target.backrefs.flatMap((b) => {
      if (b.model !== spec.name || b.relation !== change.before.relation) return [b];
      return change.kind === 'remove' ? [] : [{ ...b, relation: change.after.relation! }];
    });
    this.specs.set(target.name, { ...target, backrefs });
    if (target.name === spec.name) Object.assign(spec, { backrefs });
  }

  /**
   * A required reference must not close a cycle of required references (a model referencing itself included):
   * no row of any model on the cycle could be created first.
   */
  _checkCycle(field: FieldSpec): void {
    if (field.optional) return;
    const label = field.relation ?? field.name;
    if (field.fk !== undefined && field.fk.split('.')[0] === this.spec.table) {
      throw new Error(
        `Field "${label}": a required foreign key from ${this.spec.table} to itself leaves no way to create the first row; make it optional.`,
      );
    }
    if (field.ref === undefined) return;
    if (field.ref === this.spec.name) {
      throw new Error(
        `Field "${label}": a required reference from ${this.spec.name} to itself leaves no way to create the first ${this.spec.name}; make it optional (${label}:ref=${field.ref}:optional).`,
      );
    }
    const path = this._requiredPath(field.ref, this.spec.name, new Set());
    if (path !== undefined) {
      throw new Error(
        `Field "${label}": required references would go round in a cycle (${[this.spec.name, ...path].join(' -> ')}), so no row of them could be created first; make one of them optional.`,
      );
    }
  }

  /** The models from `from` to `to` along required references, if there is such a path. */
  _requiredPath(from: string, to: string, seen: Set<string>): string[] | undefined {
    if (from === to) return [to];
    if (seen.has(from)) return undefined;
    seen.add(from);
    for (const next of this.specs.get(from)?.fields ?? []) {
      if (next.ref === undefined || next.optional) continue;
      const rest = this._requiredPath(next.ref, to, seen);
      if (rest !== undefined) return [from, ...rest];
    }
    return undefined;
  }

  /** fk=table.column and ref=Model must name something that exists (and close no cycle of required references). */
  _checkTarget(field: FieldSpec): void {
    this._checkCycle(field);
    if (field.ref !== undefined) {
      if (field.ref !== this.spec.name && !this.specs.has(field.ref)) {
        const key = field.one ? 'one' : 'ref';
        throw new Error(
          `Field "${field.name}": ${key}=${field.ref} names ${unknownModel(field.ref, [...this.specs.keys()])}`,
        );
      }
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
      ...(target.links ?? []).map((l) => l.name),
    ]);
    // One-to-one: `profile` on User for Profile.user; one-to-many: `posts` on User for Post.author.
    const attribute = field.one ? spec.module : pluralize(spec.module);
    const name = taken.has(attribute) ? `${field.relation}_${attribute}` : attribute;
    const backref: BackRef = { name, model: spec.name, relation: field.relation! };
    if (field.one) backref.one = true;
    const updated = { ...target, backrefs: [...target.backrefs, backref] };
    this.specs.set(updated.name, updated);
    if (updated.name === spec.name) Object.assign(spec, { backrefs: updated.backrefs });
  }
}
