import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { ForgeGenerator } from '../lib/base.js';
import { renderFiles } from '../lib/files.js';
import { parseFields, type FieldSpec } from '../lib/fields.js';
import { ownFile } from '../lib/commit.js';
import { loadSpecs } from '../lib/models.js';
import { parseModelName } from '../lib/names.js';
import { insertAtNeedle, NEEDLES, removeLines } from '../lib/python.js';
import {
  AGGREGATOR,
  includeRouter,
  loadRecords,
  routerImport,
  routerInclude,
  type ResourceRecord,
} from '../lib/registry.js';
import type { ModelSpec } from '../lib/spec.js';
import type { ModelOptions } from '../model/index.js';
import { RESOURCE_FILES, resourceContext, resourcePaths } from './files.js';

type CrudOptions = ModelOptions & {
  skipTests?: boolean;
  'skip-tests'?: boolean;
  prefix?: string;
  public?: boolean;
  owner?: string;
  private?: boolean;
  defaults?: boolean;
  /** Remove the resource and its model. */
  destroy?: boolean;
  /** Set by forge:model: `old:new,...` columns it renames in the same run (the owner field may be one). */
  renamed?: string;
};

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Names the router, schema and test modules import: a model class of the same name would shadow them. */
const IMPORTED_NAMES = new Set([
  'APIRouter',
  'AsyncClient',
  'BaseModel',
  'ConfigDict',
  'CursorResult',
  'HTTPException',
  'IntegrityError',
  'Limit',
  'PartialUpdate',
  'RowId',
  'SessionDep',
  'Skip',
  'SkipJsonSchema',
]);

/**
 * `yo forge:crud Name [field specs...]`: a REST resource for a model — its CRUD class, schemas, router (registered
 * in the API router) and API tests, rendered from `.forge/models/<Name>.json`. A model that does not exist yet,
 * or new fields, go through forge:model first (same arguments), so one command scaffolds the whole resource.
 */
export default class CrudGenerator extends ForgeGenerator {
  declare options: CrudOptions;
  declare modelName: string;
  declare record: ResourceRecord | undefined;
  /** The name of the field holding each row's owner, when rows are owned. */
  declare owner: string | undefined;
  declare private: boolean;
  /** "none" was chosen for the owner: remembered, not asked again. */
  declare declined: boolean;
  /** --destroy: the table of the model whose router leaves the API router. */
  declare destroyTable: string;
  /** Resource files changed since forge wrote them: they go through Yeoman's overwrite prompt. */
  declare edited: Set<string>;

  constructor(args: string[], options: CrudOptions) {
    super(args, options);
    this.argument('name', { type: String, required: false, description: 'Model class name, e.g. Post' });
    this.argument('fields', {
      type: Array,
      required: false,
      description: 'Field specs for forge:model (a new model, or fields to add); see yo forge:model --help',
    });
    this.option('prefix', {
      type: String,
      description: 'Router prefix under /api/v1 (default: /<table name>)',
    });
    this.option('public', {
      type: Boolean,
      description:
        'With --auth projects: the endpoints need no signed-in user (default: they need one; remembered)',
    });
    this.option('owner', {
      type: String,
      description:
        'With --auth: the field referencing users that holds each row\'s owner, the signed-in user who creates it; only the owner and superusers may change the row ("none" for no owner; remembered)',
    });
    this.option('private', {
      type: Boolean,
      description: 'With --owner: only the owner and superusers see a row (remembered)',
    });
    this.option('skip-tests', {
      type: Boolean,
      description: 'Do not write tests/api/test_<table>.py (remembered; --no-skip-tests to write it again)',
    });
    this.option('table', { type: String, description: 'forge:model: table name of a new model' });
    this.option('timestamps', {
      type: Boolean,
      default: true,
      description: 'forge:model: created_at / updated_at on a new model (--no-timestamps)',
    });
    this.option('skip-migration', {
      type: Boolean,
      default: false,
      description: 'forge:model: write no migration',
    });
    this.option('renamed', { type: String, hide: true });
    this.option('destroy', {
      type: Boolean,
      default: false,
      description:
        'Remove the resource (schemas, CRUD class, router, tests, its line in the API router) and its model, table included (asks to confirm; --force does not ask)',
    });
    this.option('defaults', {
      type: Boolean,
      default: false,
      description: 'Ask nothing: a new model without field specs is an error',
    });
  }

  /** Validate everything before anything is written, compose forge:model when needed, then queue the writing. */
  async initializing(): Promise<void> {
    this._loadForgeConfig();
    const specs = loadSpecs(this);
    this.modelName = parseModelName(this.options.name ?? '', 'forge:crud', IMPORTED_NAMES);
    const existing = specs.get(this.modelName);
    if (existing?.builtin) {
      throw new Error(
        `${this.modelName} is an authentication model written by forge:database: its CRUD class (app/crud/${existing.module}.py) already exists, with methods specific to authentication; forge:crud does not replace it.`,
      );
    }
    const fields = this.options.fields ?? [];
    if (existing === undefined && fields.length === 0 && !this._canAsk()) {
      throw new Error(
        `Model ${this.modelName} has no definition (.forge/models/${this.modelName}.json) and no field specs were given: yo forge:crud ${this.modelName} name:type[:modifier]... (or run interactively to be asked).`,
      );
    }
    const recordPath = this.destinationPath(`.forge/resources/${this.modelName}.json`);
    this.record = this.fs.readJSON(recordPath) as ResourceRecord | undefined;
    if (this.options.destroy === true) {
      await this._planDestroy(existing, fields);
      return;
    }
    if (this.options.public === true && !this.forge.auth) {
      this.log.info(
        '--public changes nothing here: this project has no authentication, every endpoint is open.',
      );
    }
    this._prefix(existing);
    // The fields after this run: the stored ones and those given, which forge:model adds first.
    await this._resolveOwner([
      ...(existing?.fields ?? []),
      ...parseFields(fields.filter((f) => !/^[^:]*:many=/.test(f))),
    ]);
    this._registerRouter('dry-run', existing?.table ?? 'resource');
    this._findEdited(existing);
    if (existing === undefined || fields.length > 0) {
      const { table, timestamps } = this.options;
      const options: Record<string, unknown> = {
        skipMigration: this.options.skipMigration === true || this.options['skip-migration'] === true,
        fromCrud: true,
      };
      if (table !== undefined) options['table'] = table;
      if (timestamps === false) options['timestamps'] = false;
      if (this.options.force === true) options['force'] = true;
      await this.composeWith('forge:model', {
        generatorArgs: [this.modelName, ...fields],
        generatorOptions: options,
      });
    }
  }

  /**
   * Queue the resource's files in the writing priority now: forge:model's tasks, composed in initializing, are
   * queued by then, so its writing (the model's spec, in the in-memory file system) runs first.
   */
  configuring(): void {
    if (this.options.destroy === true) {
      this.queueTask({ method: () => this._destroy(), taskName: 'destroyResource', queueName: 'writing' });
      return;
    }
    this.queueTask({ method: () => this._writeResource(), taskName: 'writeResource', queueName: 'writing' });
  }

  end(): void {
    this._printAtEnd();
  }

  /** --destroy: the resource must exist and be as forge wrote it (or --force); forge:model destroys the model. */
  async _planDestroy(existing: ModelSpec | undefined, fields: string[]): Promise<void> {
    if (this.record === undefined || existing === undefined) {
      throw new Error(
        `--destroy: ${this.modelName} has no REST endpoints (.forge/resources/${this.modelName}.json); yo forge:model ${this.modelName} --destroy removes a model.`,
      );
    }
    if (fields.length > 0) throw new Error('--destroy takes no field specs.');
    this.destroyTable = existing.table;
    const edited = this._editedSince(Object.keys(this.record.files));
    if (edited.length > 0 && this.options.force !== true) {
      throw new Error(
        `${edited.join(', ')} changed since forge wrote it; --destroy would delete it. Keep a copy of your changes, then re-run with --force.`,
      );
    }
    const options: Record<string, unknown> = { destroy: true, fromCrud: true };
    if (this.options.force === true) options['force'] = true;
    if (this.options.defaults === true) options['defaults'] = true;
    if (this.options.skipMigration === true || this.options['skip-migration'] === true) {
      options['skipMigration'] = true;
    }
    await this.composeWith('forge:model', { generatorArgs: [this.modelName], generatorOptions: options });
  }

  /** Delete the resource's files and record, and take its router out of the API router. */
  _destroy(): void {
    for (const path of Object.keys(this.record!.files)) {
      const full = this.destinationPath(path);
      if (this.fs.exists(full)) this.fs.delete(full);
    }
    this.fs.delete(this.destinationPath(`.forge/resources/${this.modelName}.json`));
    const path = this.destinationPath(AGGREGATOR);
    const current = this.fs.read(path);
    if (current) {
      const table = this.destroyTable;
      this.fs.write(path, removeLines(current, [routerImport(table), routerInclude(table)]));
      ownFile(this, path);
    }
    this._atEnd('ok', `${this.modelName} resource removed: ${Object.keys(this.record!.files).join(', ')}.`);
  }

  _writeResource(): void {
    const specs = loadSpecs(this);
    const renamed = new Map(
      (this.options.renamed ?? '').split(',').map((pair) => pair.split(':') as [string, string]),
    );
    if (this.owner !== undefined) this.owner = renamed.get(this.owner) ?? this.owner;
    const spec = specs.get(this.modelName)!;
    const prefix = this._prefix(spec);
    const context = resourceContext(spec, specs, this.forge, {
      prefix,
      skipTests: this._skipTests(),
      signedIn: this.forge.auth && !this._public(),
      owner: this.owner,
      private: this.private,
      urls: this._resourceUrls(spec.name, prefix),
      privateResources: this._privateResources(spec.name),
    });
    renderFiles(this, RESOURCE_FILES, context);
    const files: Record<string, string> = {};
    for (const path of resourcePaths(context)) {
      const full = this.destinationPath(path);
      files[path] = sha256(this.fs.read(full)!);
      // Files as forge wrote them are updated without a question; new and edited ones go through Yeoman.
      if (existsSync(full) && !this.edited.has(path)) ownFile(this, full);
    }
    const record: ResourceRecord = {
      prefix: context.prefix,
      skipTests: context.skipTests,
      public: this._public(),
      ...(this.owner !== undefined || this.declined ? { owner: this.owner ?? null } : {}),
      private: this.private,
      files,
    };
    const recordPath = this.destinationPath(`.forge/resources/${spec.name}.json`);
    const recorded = existsSync(recordPath);
    this.fs.writeJSON(recordPath, record, undefined, 2);
    if (recorded) ownFile(this, recordPath);
    this._registerRouter('write', spec.table);
    if (!recorded) {
      this._atEnd('ok', `/api/v1${context.prefix}: ${spec.name} resource registered in ${AGGREGATOR}.`);
    }
  }

  /** The files among `paths` that exist and differ from what forge wrote (the hashes in the resource's record). */
  _editedSince(paths: string[]): string[] {
    return paths.filter((path) => {
      const full = this.destinationPath(path);
      return existsSync(full) && this.record?.files[path] !== sha256(readFileSync(full, 'utf8'));
    });
  }

  /**
   * Resource files on disk that differ from what forge last wrote (or that forge never wrote). They go through
   * Yeoman's overwrite prompt; a run that cannot ask refuses them before writing, unless --force.
   */
  _findEdited(existing: ModelSpec | undefined): void {
    this.edited = new Set();
    const module = existing?.module;
    if (module === undefined || existing === undefined) return;
    const paths = [
      `app/schemas/${module}.py`,
      `app/crud/${module}.py`,
      `app/routers/v1/${existing.table}.py`,
      `tests/api/test_${existing.table}.py`,
    ];
    this.edited = new Set(this._editedSince(paths));
    if (this.edited.size > 0 && this.options.force !== true && !this._canAsk()) {
      throw new Error(
        `${[...this.edited].join(', ')} changed since forge wrote it; forge:crud would rewrite it. Run in a terminal to be asked, or re-run with --force to overwrite.`,
      );
    }
  }

  /** Import and include the router in the API router aggregator, at its needles (idempotent). */
  _registerRouter(mode: 'dry-run' | 'write', table: string): void {
    const path = this.destinationPath(AGGREGATOR);
    const current = this.fs.read(path);
    if (current === null || current === undefined) {
      throw new Error(`Cannot register the router: ${AGGREGATOR} is missing (yo forge writes it).`);
    }
    let content = insertAtNeedle(current, NEEDLES.routerImports, [routerImport(table)], AGGREGATOR, {
      sorted: true,
    });
    const specs = loadSpecs(this);
    const prefixes = new Map(
      [...this._otherRecords(this.modelName)]
        .filter(([model]) => specs.has(model))
        .map(([model, record]) => [specs.get(model)!.table, record.prefix]),
    );
    content = includeRouter(content, table, prefixes.set(table, this._prefix(specs.get(this.modelName))));
    if (mode === 'write' && content !== current) {
      this.fs.write(path, content);
      ownFile(this, path);
    }
  }

  /** The other resources' records, by model name. */
  _otherRecords(name: string): Map<string, ResourceRecord> {
    const records = loadRecords(this);
    records.delete(name);
    return records;
  }

  /** The resources whose rows only their owners see (--private), this one as this run decides. */
  _privateResources(name: string): Set<string> {
    const records = [...this._otherRecords(name)].filter(([, record]) => record.private === true);
    const names = new Set(records.map(([model]) => model));
    return this.private ? names.add(name) : names;
  }

  /** The URL of every model with REST endpoints: the users, each recorded resource, and this one. */
  _resourceUrls(name: string, prefix: string): Map<string, string> {
    const urls = new Map([['User', '/api/v1/users']]);
    for (const [model, record] of this._otherRecords(name)) urls.set(model, `/api/v1${record.prefix}`);
    return urls.set(name, `/api/v1${prefix}`);
  }

  /**
   * The field holding each row's owner: --owner (a field referencing users, by its name or its relation's), else
   * the last run's choice, else asked when the model references users in a project with sign-in. "none" (given or
   * answered) is remembered, so it is not asked again. Checked before anything is written.
   */
  async _resolveOwner(fields: FieldSpec[]): Promise<void> {
    // A unique reference (one=User) cannot hold an owner: see below.
    const candidates = fields.filter((f) => referencesUsers(f) && f.unique !== true);
    const unique = fields.filter((f) => referencesUsers(f) && f.unique === true);
    // null in the record: "none" was chosen before.
    let chosen = this.options.owner ?? (this.record?.owner === null ? 'none' : this.record?.owner);
    let asked = false;
    const open = !this.forge.auth || this._public();
    if (chosen === undefined && !open && candidates.length > 0 && this._canAsk()) {
      chosen = await this._askOwner(candidates);
      asked = true;
    }
    this.owner = undefined;
    this.declined = chosen === 'none';
    if (chosen !== undefined && chosen !== 'none') {
      if (!this.forge.auth) {
        throw new Error(
          `--owner needs sign-in, and this project was made with --no-auth: no signed-in user can own a ${this.modelName}. Leave --owner out.`,
        );
      }
      if (this._public()) {
        throw new Error(
          `--owner and --public do not go together: a row's owner is the signed-in user who creates it. Leave --public out to keep the owner, or pass --owner none to drop it.`,
        );
      }
      const field = [...candidates, ...unique].find((f) =>
        [f.name, f.relation, `${f.name.replace(/_id$/, '')}`].includes(chosen),
      );
      if (field === undefined) {
        const names = candidates.map((f) => f.relation ?? f.name).join(', ');
        throw new Error(
          `Invalid --owner "${chosen}": expected a field of ${this.modelName} that references users (ref=User or fk=users.id)${names ? `: ${names}` : `, and it has none; add one, e.g. author:ref=User`}.`,
        );
      }
      if (field.unique === true) {
        throw new Error(
          `--owner ${chosen}: ${field.name} is unique (${field.one ? 'one=User' : 'unique'}), so each user could own a single ${this.modelName}: not supported yet. Make the owner ref=User, or pass --owner none.`,
        );
      }
      this.owner = field.name;
    }
    this.private = this.options.private ?? (asked ? await this._askPrivate() : this.record?.private) ?? false;
    if (this.private && this.owner === undefined) {
      throw new Error(
        `--private needs an owner: add --owner <field>, a field of ${this.modelName} that references users.`,
      );
    }
  }

  async _askOwner(candidates: FieldSpec[]): Promise<string> {
    const { owner } = await this.prompt<{ owner: string }>({
      type: 'select',
      name: 'owner',
      message: `Which field holds a ${this.modelName}'s owner (the user who creates it; only they and superusers may change it)?`,
      choices: [
        ...candidates.map((f) => ({ value: f.name, name: f.relation ?? f.name })),
        { value: 'none', name: 'none: any signed-in user may change any row' },
      ],
      default: candidates[0]!.name,
    });
    return owner;
  }

  async _askPrivate(): Promise<boolean> {
    if (this.owner === undefined) return false;
    const { private: only } = await this.prompt<{ private: boolean }>({
      type: 'confirm',
      name: 'private',
      message: `Should only its owner (and superusers) see a ${this.modelName}?`,
      default: false,
    });
    return only;
  }

  /** --skip-tests / --no-skip-tests, else the last run's choice; off by default. */
  _skipTests(): boolean {
    return this.options.skipTests ?? this.options['skip-tests'] ?? this.record?.skipTests ?? false;
  }

  /** --public / --no-public, else the last run's choice; off by default. */
  _public(): boolean {
    return this.options.public ?? this.record?.public ?? false;
  }

  /** --prefix (else the last run's), checked; default /<table>. */
  _prefix(spec: ModelSpec | undefined): string {
    const prefix = this.options.prefix ?? this.record?.prefix ?? `/${spec?.table ?? 'resource'}`;
    if (!/^(\/[a-z0-9][a-z0-9_-]*)+$/.test(prefix)) {
      throw new Error(
        `Invalid --prefix "${prefix}": expected a path such as /posts or /blog/posts (lowercase letters, digits, "-", "_").`,
      );
    }
    return prefix;
  }
}

/** Whether a field references the users table (`ref=User`, or `fk=users.id`). */
function referencesUsers(field: FieldSpec): boolean {
  return field.ref === 'User' || field.fk === 'users.id';
}
