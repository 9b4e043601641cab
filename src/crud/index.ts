import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { ForgeGenerator } from '../lib/base.js';
import { listFiles, renderFiles } from '../lib/files.js';
import { loadSpecs, writeWithoutPrompt } from '../lib/models.js';
import { parseModelName } from '../lib/names.js';
import { insertAtNeedle, NEEDLES } from '../lib/python.js';
import type { ModelSpec } from '../lib/spec.js';
import type { ModelOptions } from '../model/index.js';
import { RESOURCE_FILES, resourceContext, resourcePaths } from './files.js';

type CrudOptions = ModelOptions & {
  skipTests?: boolean;
  'skip-tests'?: boolean;
  prefix?: string;
  public?: boolean;
  defaults?: boolean;
};

/** What forge:crud wrote for a model, in .forge/resources/<Name>.json: its prefix and each file's hash. */
interface ResourceRecord {
  prefix: string;
  skipTests: boolean;
  /** --public: no sign-in required, in a project with --auth. */
  public?: boolean;
  files: Record<string, string>;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const AGGREGATOR = 'app/routers/v1/__init__.py';

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
    if (this.options.public === true && !this.forge.auth) {
      this.log.info(
        '--public changes nothing here: this project has no authentication, every endpoint is open.',
      );
    }
    this._prefix(existing);
    this._registerRouter('dry-run', existing?.table ?? 'resource');
    this._findEdited(existing);
    if (existing === undefined || fields.length > 0) {
      const { table, timestamps } = this.options;
      const options: Record<string, unknown> = {
        skipMigration: this.options.skipMigration === true || this.options['skip-migration'] === true,
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
    this.queueTask({ method: () => this._writeResource(), taskName: 'writeResource', queueName: 'writing' });
  }

  _writeResource(): void {
    const specs = loadSpecs(this);
    const spec = specs.get(this.modelName)!;
    const prefix = this._prefix(spec);
    const context = resourceContext(spec, specs, this.forge, {
      prefix,
      skipTests: this._skipTests(),
      signedIn: this.forge.auth && !this._public(),
      urls: this._resourceUrls(spec.name, prefix),
    });
    renderFiles(this, RESOURCE_FILES, context);
    const files: Record<string, string> = {};
    for (const path of resourcePaths(context)) {
      const full = this.destinationPath(path);
      files[path] = sha256(this.fs.read(full)!);
      // Files as forge wrote them are updated without a question; new and edited ones go through Yeoman.
      if (existsSync(full) && !this.edited.has(path)) writeWithoutPrompt(this, full);
    }
    const record: ResourceRecord = {
      prefix: context.prefix,
      skipTests: context.skipTests,
      public: this._public(),
      files,
    };
    const recordPath = this.destinationPath(`.forge/resources/${spec.name}.json`);
    const recorded = existsSync(recordPath);
    this.fs.writeJSON(recordPath, record, undefined, 2);
    if (recorded) writeWithoutPrompt(this, recordPath);
    this._registerRouter('write', spec.table);
    this.log.ok(`/api/v1${context.prefix}: ${spec.name} resource registered in ${AGGREGATOR}.`);
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
    for (const path of paths) {
      const full = this.destinationPath(path);
      if (!existsSync(full)) continue;
      if (this.record?.files[path] !== sha256(readFileSync(full, 'utf8'))) this.edited.add(path);
    }
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
    let content = insertAtNeedle(
      current,
      NEEDLES.routerImports,
      [`from app.routers.v1.${table} import router as ${table}_router`],
      AGGREGATOR,
      { sorted: true },
    );
    content = insertAtNeedle(
      content,
      NEEDLES.routerIncludes,
      [`api_router.include_router(${table}_router)`],
      AGGREGATOR,
    );
    if (mode === 'write' && content !== current) {
      this.fs.write(path, content);
      writeWithoutPrompt(this, path);
    }
  }

  /** The URL of every model with REST endpoints: the users, each recorded resource, and this one. */
  _resourceUrls(name: string, prefix: string): Map<string, string> {
    const urls = new Map([['User', '/api/v1/users']]);
    for (const path of listFiles(this, this.destinationPath('.forge/resources'))) {
      const record = this.fs.readJSON(path) as ResourceRecord | undefined;
      if (path.endsWith('.json') && record?.prefix)
        urls.set(basename(path, '.json'), `/api/v1${record.prefix}`);
    }
    return urls.set(name, `/api/v1${prefix}`);
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

  /** False when no question can be answered: --defaults, or yo's terminal adapter on an input that is no terminal. */
  _canAsk(): boolean {
    if (this.options.defaults === true) return false;
    const adapter = (this.env as unknown as { adapter?: object }).adapter?.constructor.name ?? '';
    return process.stdin.isTTY === true || !['QueuedAdapter', 'TerminalAdapter'].includes(adapter);
  }
}
