import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { BaseOptions } from 'yeoman-generator';
import { ForgeGenerator } from '../lib/base.js';
import { ownFile } from '../lib/commit.js';
import { loadSpecs } from '../lib/models.js';
import { inChainOrder, mergeMigrations, migrationIdentity, parseRevision } from '../lib/migrations.js';
import { loadRecords } from '../lib/registry.js';
import type { ModelSpec } from '../lib/spec.js';
import { DomainError, parseDomain, type DomainModel } from './domain.js';

type ImportOptions = BaseOptions & { file?: string; force?: boolean };

/** A run of forge:model or forge:crud that the import makes, in a copy of the project. */
interface Step {
  namespace: 'forge:model' | 'forge:crud';
  args: string[];
  options: Record<string, unknown>;
  model: DomainModel;
}

/** Environments, caches and databases: no generator reads or writes them, so the copy leaves them out. */
const NOT_COPIED = new Set([
  '.venv',
  'venv',
  '.git',
  'node_modules',
  '__pycache__',
  '.mypy_cache',
  '.ruff_cache',
  '.pytest_cache',
]);
const copied = (name: string) => !NOT_COPIED.has(name) && !/\.(db|sqlite3?)(-\w+)?$/.test(name);

/** The adapter of the runs in the copy: it prints nothing, and a question is an error (nobody can answer it). */
class SilentAdapter {
  readonly #controller = new AbortController();
  readonly signal = this.#controller.signal;
  // Every logging method, and every method of what it returns, does nothing.
  readonly log: unknown = new Proxy(() => {}, {
    get: (_target, key) => (key === 'then' ? undefined : this.log),
    apply: () => this.log,
  });

  abort(reason?: unknown): void {
    this.#controller.abort(reason);
  }

  prompt(): Promise<never> {
    return Promise.reject(new Error('a question came up that nobody can answer here; re-run with --force'));
  }

  progress<R>(task: (progress: { step: () => void }) => Promise<R>): Promise<R> {
    return task({ step: () => {} });
  }

  queue<R>(task: (adapter: this) => Promise<R>): Promise<R> {
    return task(this);
  }

  async onIdle(): Promise<void> {}

  close(): void {}
}

/**
 * forge:import: a whole domain from one YAML file. The file is validated first (every error with its line,
 * nothing written on any); then forge:model and forge:crud run model by model, references first, in a copy of
 * the project, and what they changed comes back in one commit with the run's migrations merged into one. Run
 * again with an edited file, it applies the difference: fields added, changed (--change), renamed (`renamed:`)
 * or removed; models the file does not name are left as they are.
 */
export default class ImportGenerator extends ForgeGenerator {
  declare options: ImportOptions;
  file!: string;
  /** The file's name in messages: as given, relative to the folder the command runs in. */
  label!: string;
  steps!: Step[];
  /** Fields and links the import removes (`Post.published`), with their data. */
  removed: string[] = [];

  constructor(args: string[], options: ImportOptions) {
    super(args, options);
    this.argument('file', { type: String, required: false, description: 'The domain file, e.g. domain.yml' });
  }

  initializing(): void {
    if (!this.options.file) {
      throw new Error(
        'forge:import needs a domain file: yo forge:import domain.yml (see examples/blog.yml).',
      );
    }
    // Relative to where the command runs, before the destination moves to the project root.
    this.file = resolve(this.destinationRoot(), this.options.file);
    const fromHere = relative(this.destinationRoot(), this.file);
    this.label = fromHere.startsWith('..') ? this.file : fromHere;
    if (!existsSync(this.file)) throw new Error(`${this.label}: no such file.`);
    this._loadForgeConfig();
    const project = loadSpecs(this);
    let models: DomainModel[];
    try {
      models = parseDomain(readFileSync(this.file, 'utf8'), this.label, project, this.forge.auth);
    } catch (error) {
      if (error instanceof DomainError) {
        throw new Error(`${this.label} has errors:\n${error.message}`, { cause: error });
      }
      throw error;
    }
    this.steps = this._plan(models, project);
  }

  /** The runs, models in dependency order; a reference to a model created later is added in a second pass. */
  _plan(models: DomainModel[], project: ReadonlyMap<string, ModelSpec>): Step[] {
    const byName = new Map(models.map((m) => [m.name, m]));
    const ordered: DomainModel[] = [];
    const visit = (model: DomainModel) => {
      if (ordered.includes(model)) return;
      for (const field of model.fields) {
        const target = byName.get(field.target ?? '');
        if (target && target !== model && !field.optional && !project.has(target.name)) visit(target);
      }
      ordered.push(model);
    };
    models.forEach(visit);
    const records = loadRecords(this);
    const created = new Set(project.keys());
    const steps: Step[] = [];
    const later: DomainModel[] = [];
    for (const model of ordered) {
      const existing = project.get(model.name);
      const fields = model.fields.filter(
        (f) => f.target === undefined || f.target === model.name || created.has(f.target),
      );
      if (fields.length < model.fields.length) later.push(model);
      const specs = fields.map((f) => f.spec);
      const own: Record<string, unknown> = {};
      if (model.table !== undefined) own['table'] = model.table;
      if (model.timestamps !== undefined) own['timestamps'] = model.timestamps;
      if (existing === undefined) {
        if (model.crud !== undefined) steps.push(this._crudStep(model, specs, own));
        else steps.push({ namespace: 'forge:model', args: [model.name, ...specs], options: own, model });
        created.add(model.name);
        continue;
      }
      const labels = existing.fields.map((f) => f.relation ?? f.name);
      const renames = model.renamed.filter(([from, to]) => labels.includes(from) && !labels.includes(to));
      if (renames.length > 0) {
        const rename = renames.map(([from, to]) => `${from}:${to}`).join(',');
        steps.push({ namespace: 'forge:model', args: [model.name], options: { rename }, model });
      }
      const renamed = new Map(renames);
      const current = [
        ...labels.map((label) => renamed.get(label) ?? label),
        ...(existing.links ?? []).map((l) => l.name),
      ];
      const removed = current.filter((label) => !model.fields.some((f) => f.name === label));
      if (removed.length > 0) {
        steps.push({
          namespace: 'forge:model',
          args: [model.name],
          options: { remove: removed.join(','), confirmed: true },
          model,
        });
        this.removed.push(...removed.map((label) => `${model.name}.${label}`));
      }
      steps.push({
        namespace: 'forge:model',
        args: [model.name, ...specs],
        options: { change: true },
        model,
      });
      if (model.crud !== undefined) steps.push(this._crudStep(model, [], {}));
      else if (records.has(model.name)) {
        this.log.info(
          `${model.name} keeps its REST endpoints: the file has no crud for it, and import removes none.`,
        );
      }
    }
    for (const model of later) {
      const specs = model.fields.map((f) => f.spec);
      steps.push({
        namespace: 'forge:model',
        args: [model.name, ...specs],
        options: { change: true },
        model,
      });
    }
    const named = new Set(models.map((m) => m.name));
    const untouched = [...project.values()]
      .filter((s) => !s.builtin && !named.has(s.name))
      .map((s) => s.name);
    if (untouched.length > 0) {
      this.log.info(`Not in ${basename(this.file)}, left as they are: ${untouched.join(', ')}.`);
    }
    return steps;
  }

  _crudStep(model: DomainModel, specs: string[], own: Record<string, unknown>): Step {
    const crud = model.crud!;
    const options: Record<string, unknown> = { ...own };
    if (this.forge.auth) options['owner'] = crud.owner ?? 'none';
    if (crud.prefix !== undefined) options['prefix'] = crud.prefix;
    if (crud.public === true) options['public'] = true;
    if (crud.private === true) options['private'] = true;
    if (crud.skipTests === true) options['skipTests'] = true;
    return { namespace: 'forge:crud', args: [model.name, ...specs], options, model };
  }

  /** Removing fields deletes their data: asked once for the whole file (--force does not ask). */
  async prompting(): Promise<void> {
    if (this.removed.length === 0) return;
    const what = `${this.removed.join(', ')} and ${this.removed.length > 1 ? 'their' : 'its'} data`;
    await this._confirm(
      `The import removes ${what} (the downgrade restores the columns, not the values). Go on?`,
      `${this.label} removes ${what}; re-run with --force to confirm.`,
    );
  }

  /**
   * Run every step in a copy of the project; on the first refusal nothing is written (the message names the
   * model and its line). Then bring every change back through this run's file system, migrations merged.
   */
  async writing(): Promise<void> {
    const root = this.destinationRoot();
    const copy = join(mkdtempSync(join(tmpdir(), 'forge-import-')), 'project');
    try {
      cpSync(root, copy, { recursive: true, filter: (path) => copied(basename(path)) });
      const before = new Set(readdirSync(join(copy, 'alembic', 'versions')));
      for (const step of this.steps) await this._run(copy, step);
      this._mergeMigrations(copy, before);
      const changed = this._bringBack(root, copy);
      if (changed === 0)
        this.log.info(`The project already matches ${basename(this.file)}: nothing to change.`);
    } finally {
      rmSync(dirname(copy), { recursive: true, force: true });
    }
  }

  async _run(copy: string, step: Step): Promise<void> {
    const force = this.options.force === true;
    // A new environment of the kind that runs this generator (yo's, or yeoman-test's), rooted in the copy.
    const Environment = this.env.constructor as new (options: object) => typeof this.env;
    const env = new Environment({ cwd: copy, adapter: new SilentAdapter(), skipInstall: true, force });
    const generators = dirname(dirname(this.resolved));
    for (const name of ['model', 'crud']) {
      env.register(join(generators, name, 'index.js'), { namespace: `forge:${name}` });
    }
    try {
      const generator = await env.create(step.namespace, {
        generatorArgs: step.args,
        generatorOptions: { ...step.options, defaults: true, force, skipInstall: true } as Record<
          string,
          unknown
        >,
      });
      await env.runGenerator(generator);
    } catch (error) {
      const message = (error as Error).message.split('\n')[0];
      throw new Error(`${this.options.file}:${step.model.line}: ${step.model.name}: ${message}`, {
        cause: error,
      });
    }
  }

  /** The migrations the steps wrote, oldest first, become one (named after the file). */
  _mergeMigrations(copy: string, before: ReadonlySet<string>): void {
    const versions = join(copy, 'alembic', 'versions');
    const added = readdirSync(versions).filter((name) => name.endsWith('.py') && !before.has(name));
    if (added.length < 2) return;
    const text = (name: string) => readFileSync(join(versions, name), 'utf8');
    const chain = inChainOrder(added.map((name) => parseRevision(name, text(name))!));
    const message = `import ${basename(this.file)}`;
    const identity = migrationIdentity(message, chain[0]!.downRevisions[0] ?? null);
    const merged = mergeMigrations(
      chain.map((revision) => text(revision.file)),
      message,
      identity,
    );
    for (const name of added) rmSync(join(versions, name));
    writeFileSync(join(versions, identity.fileName), merged);
  }

  /** Every file the steps added or changed in the copy, through this run's file system (they delete none). */
  _bringBack(root: string, copy: string): number {
    const list = (dir: string): string[] =>
      readdirSync(join(copy, dir), { withFileTypes: true }).flatMap((entry) => {
        if (!copied(entry.name)) return [];
        const path = dir ? `${dir}/${entry.name}` : entry.name;
        return entry.isDirectory() ? list(path) : [path];
      });
    let changed = 0;
    for (const path of list('')) {
      const content = readFileSync(join(copy, path));
      const target = join(root, path);
      if (existsSync(target) && readFileSync(target).equals(content)) continue;
      // The steps refused to rewrite a file edited by hand (unless --force): what comes back is theirs.
      this.fs.write(target, content);
      ownFile(this, target);
      changed++;
    }
    return changed;
  }
}
