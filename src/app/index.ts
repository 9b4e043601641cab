import { existsSync, readdirSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import Generator, { type BaseOptions } from 'yeoman-generator';
import { CONFIG_KEY, findProjectRoot } from '../lib/base.js';
import { takeOverCommit, writtenFiles } from '../lib/commit.js';
import { DATABASES, ORMS, parseChoice, type ForgeConfig } from '../lib/config.js';
import { descriptionError, projectNameError, toPackageName } from '../lib/names.js';
import { initRepository } from './git.js';
import { installPythonEnvironment, nextSteps, skipsInstall } from './install.js';
import { writeAppFiles } from './files.js';
import { DEFAULT_ANSWERS, DEFAULT_PROJECT_NAME, declareOptions, questions, type Answers } from './prompts.js';

type AppOptions = BaseOptions & {
  name?: string;
  description?: string;
  database?: string;
  orm?: string;
  docker?: boolean;
  auth?: boolean;
  email?: boolean;
  redis?: boolean;
  metrics?: boolean;
  git?: boolean;
  defaults?: boolean;
};

/**
 * `yo forge [name]`: asks (or reads from options) the project's identity, stores it in .yo-rc.json,
 * writes the FastAPI application frame and composes forge:database for the database layer (and forge:docker
 * when Docker is chosen).
 */
export default class AppGenerator extends Generator<Partial<ForgeConfig>, AppOptions> {
  /** Answers known so far: from options, then from the project's stored configuration. */
  declare known: Partial<Answers>;
  declare forge: ForgeConfig;
  declare targetDir: string;
  /** The target is a forge project already: this run re-renders it. */
  declare existing: boolean;
  /** The install phase created .venv and installed the project into it. */
  installed = false;

  constructor(args: string[], options: AppOptions) {
    super(args, options);
    takeOverCommit(this);
    declareOptions(this);
  }

  initializing(): void {
    const { name, description, database, orm } = this.options;
    this.known = {};
    if (name === '.') {
      this.known.projectName = basename(this.destinationRoot());
    } else if (typeof name === 'string' && name !== '') {
      this.known.projectName = name;
    }
    if (this.known.projectName !== undefined) this._checkProjectName(this.known.projectName);
    if (typeof description === 'string') {
      const error = descriptionError(description);
      if (error !== undefined) throw new Error(error);
      this.known.description = description;
    }
    if (database !== undefined) this.known.database = parseChoice('database', database, DATABASES);
    if (orm !== undefined) this.known.orm = parseChoice('orm', orm, ORMS);
    for (const key of ['docker', 'auth', 'email', 'redis', 'metrics'] as const) {
      const value = this.options[key];
      if (typeof value === 'boolean') this.known[key] = value;
    }
    if (this.known.projectName !== undefined) this._loadStoredAnswers();
  }

  async prompting(): Promise<void> {
    const missing = new Set(
      (['projectName', ...Object.keys(DEFAULT_ANSWERS)] as (keyof Answers)[]).filter(
        (key) => this.known[key] === undefined,
      ),
    );
    let answers: Partial<Answers> = {};
    if (this.options.defaults === true) {
      answers = { projectName: DEFAULT_PROJECT_NAME, ...DEFAULT_ANSWERS };
    } else if (missing.size > 0) {
      answers = await this.prompt(questions(missing, this.known) as never);
    }
    const merged = { ...answers, ...this.known } as Answers;
    if (this.known.projectName === undefined) {
      this._checkProjectName(merged.projectName);
      this.known.projectName = merged.projectName;
      this._loadStoredAnswers();
    }
    const final = { ...merged, ...this.known } as Answers;
    // Not asked without auth; refused with --no-auth.
    final.email ??= false;
    if (final.email && !final.auth) {
      throw new Error(
        '--email needs authentication: its emails verify accounts and reset their passwords. Leave out --no-auth, or --email.',
      );
    }
    this.forge = { ...final, packageName: toPackageName(final.projectName) };
  }

  async configuring(): Promise<void> {
    this.destinationRoot(this.targetDir);
    this.config.set({ ...this.forge });
    await this.composeWith('forge:database');
    if (this.forge.auth) await this.composeWith('forge:auth');
    if (this.forge.email) await this.composeWith('forge:email');
    if (this.forge.redis) await this.composeWith('forge:redis');
    if (this.forge.metrics) await this.composeWith('forge:metrics');
    if (this.forge.docker) await this.composeWith('forge:docker');
  }

  writing(): void {
    writeAppFiles(this, this.forge);
  }

  async install(): Promise<void> {
    if (skipsInstall(this.options)) return;
    this.installed = await installPythonEnvironment(this, this.destinationRoot());
  }

  end(): void {
    if (!this.existing && this.options.git !== false) initRepository(this, this.destinationRoot());
    const { created, updated } = writtenFiles(this);
    const files = (count: number, what: string) => `${count} file${count === 1 ? '' : 's'} ${what}`;
    this.log.ok(
      this.existing
        ? `${this.forge.projectName} in ${this.destinationRoot()}: ${files(created, 'created')}, ${files(updated, 'updated')}`
        : `Created ${this.forge.projectName} in ${this.destinationRoot()}: ${files(created, 'written')}`,
    );
    this.log(nextSteps(this.forge, this.destinationRoot(), this.env.cwd, this.installed));
  }

  _checkProjectName(name: string): void {
    const error = projectNameError(name);
    if (error !== undefined) throw new Error(error);
  }

  /**
   * Resolve the target directory and, when it is already a forge project, take its stored answers: a
   * re-run asks nothing it knows, and it refuses to switch the database or ORM under existing code.
   */
  _loadStoredAnswers(): void {
    const name = this.options.name === '.' ? '.' : this.known.projectName!;
    this.targetDir = resolve(this.destinationRoot(), name);
    const root = findProjectRoot(this.targetDir);
    this.existing = root === this.targetDir;
    if (root !== this.targetDir) {
      if (name !== '.' && existsSync(this.targetDir) && readdirSync(this.targetDir).length > 0) {
        throw new Error(
          `Directory ${this.targetDir} already exists and is not a forge project; choose another name.`,
        );
      }
      return;
    }
    const rc = this.fs.readJSON(resolve(root, '.yo-rc.json')) as Record<string, Partial<ForgeConfig>>;
    const config = rc[CONFIG_KEY] ?? {};
    // A project made before --auth existed has no auth files: it counts as --no-auth.
    const stored = {
      ...config,
      auth: config.auth ?? false,
      email: config.email ?? false,
      redis: config.redis ?? false,
      metrics: config.metrics ?? false,
    };
    const features = {
      auth: ['authentication', 'yo forge:auth', '--no-auth'],
      email: ['email', 'yo forge:email', '--no-email'],
      redis: ['Redis', 'yo forge:redis', '--no-redis'],
      metrics: ['metrics', 'yo forge:metrics', '--no-metrics'],
    } as const;
    for (const key of ['database', 'orm', 'auth', 'email', 'redis', 'metrics'] as const) {
      if (this.known[key] === undefined || this.known[key] === stored[key]) continue;
      if (key !== 'database' && key !== 'orm') {
        const [what, command, off] = features[key];
        throw new Error(
          stored[key]
            ? `${this.targetDir} has ${what}; removing it (${off}) is not supported.`
            : `${this.targetDir} has no ${what}; add it with: ${command}`,
        );
      }
      throw new Error(
        `${this.targetDir} is a ${stored[key]} project; changing --${key} to ${this.known[key]} is not supported.`,
      );
    }
    this.known = {
      description: config.description,
      database: config.database,
      orm: config.orm,
      docker: config.docker,
      auth: stored.auth,
      email: stored.email,
      redis: stored.redis,
      metrics: stored.metrics,
      ...Object.fromEntries(Object.entries(this.known).filter(([, value]) => value !== undefined)),
      projectName: config.projectName ?? this.known.projectName,
    };
  }
}
