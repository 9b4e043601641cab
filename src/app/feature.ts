/**
 * Adding a feature (email, Redis, metrics) to an existing project: the generator of the feature sets it in .yo-rc.json,
 * renders again the files of other generators that follow it (each must still be as forge wrote it: an edited one
 * is refused unless --force or a terminal asks), writes its own files and installs the new dependencies into the
 * project's .venv. Composed by `yo forge --<feature>`, the same generator only writes its own files. Each feature's
 * generator is a FeatureGenerator.
 */
import { existsSync } from 'node:fs';
import { AUTH_FILES } from '../auth/files.js';
import { DATABASE_FILES, writeDatabaseFiles } from '../database/files.js';
import { DOCKER_FOLLOWERS } from '../docker/files.js';
import type { DatabaseContext } from '../database/index.js';
import { ForgeGenerator } from '../lib/base.js';
import { ownFile } from '../lib/commit.js';
import type { ForgeConfig } from '../lib/config.js';
import { renderFiles, templatesOf, type FileEntry } from '../lib/files.js';
import { uneditedFollowers, type Followers } from '../lib/followers.js';
import { projectContext } from '../lib/registry.js';
import { METRICS_FILES } from '../metrics/files.js';
import { APP_FILES, writeAppFiles } from './files.js';
import { installPythonEnvironment, skipsInstall } from './install.js';

export type Feature = 'email' | 'redis' | 'metrics';

/**
 * The files that follow a feature: the frame's, the database layer's, authentication's when it is on, and the
 * metrics' when they are on (their pool gauges and tests follow `redis`).
 */
function followers(config: ForgeConfig): Followers[] {
  return [
    [APP_FILES, 'app'],
    [DATABASE_FILES, 'database'],
    ...(config.auth ? ([[AUTH_FILES, 'auth']] as Followers[]) : []),
    ...(config.metrics ? ([[METRICS_FILES, 'metrics']] as Followers[]) : []),
    [DOCKER_FOLLOWERS, 'docker'],
  ];
}

/**
 * Whether this run adds `feature` to the project, and the followers that are as forge wrote them (updated without
 * a question); throws, writing nothing, when others were edited and the run may neither overwrite nor ask.
 */
export function startAdding(
  generator: ForgeGenerator,
  feature: Feature,
  label: string,
): { adding: boolean; unedited: string[] } {
  if (generator.forge[feature]) return { adding: false, unedited: [] };
  return {
    adding: true,
    unedited: uneditedFollowers(generator, generator.forge, followers(generator.forge), `Adding ${label}`),
  };
}

/** Turn the feature on in .yo-rc.json and the run's configuration. */
export function enableFeature(generator: ForgeGenerator, feature: Feature): void {
  generator.forge[feature] = true;
  generator.config.set(feature, true);
}

/** Render the followers again, with the feature on; those unedited are written without a question. */
export function writeFollowers(generator: ForgeGenerator, unedited: string[]): void {
  const config = generator.forge;
  writeAppFiles(generator, config, templatesOf(generator, 'app'));
  writeDatabaseFiles(generator, config, templatesOf(generator, 'database'));
  const context = projectContext(generator, config);
  if (config.auth) renderFiles(generator, AUTH_FILES, context, templatesOf(generator, 'auth'));
  if (config.metrics) renderFiles(generator, METRICS_FILES, context, templatesOf(generator, 'metrics'));
  renderFiles(generator, DOCKER_FOLLOWERS, context, templatesOf(generator, 'docker'));
  for (const path of unedited) ownFile(generator, path);
}

/** Install the feature's dependencies into the project's .venv, if it has one; whether it did. */
export async function installAdded(generator: ForgeGenerator): Promise<boolean> {
  if (skipsInstall(generator.options) || !existsSync(generator.destinationPath('.venv'))) return false;
  return installPythonEnvironment(generator, generator.destinationRoot(), 'existing');
}

/**
 * The generator of a feature: `feature` in .yo-rc.json, `label` in messages, its own `files`. Composed, it writes
 * them; run in a project without the feature, it adds it (see above) and ends with `_added()`, and the install
 * command when it could not install.
 */
export abstract class FeatureGenerator extends ForgeGenerator {
  declare options: ForgeGenerator['options'] & { force?: boolean; defaults?: boolean };
  abstract readonly feature: Feature;
  abstract readonly label: string;
  abstract readonly files: readonly FileEntry<DatabaseContext>[];
  /** The project had not the feature before this run. */
  declare adding: boolean;
  /** Files of other generators that follow the feature, as forge wrote them: updated without a question. */
  declare unedited: string[];
  /** The install phase added the new dependencies to .venv. */
  installed = false;

  constructor(...args: ConstructorParameters<typeof ForgeGenerator>) {
    super(...args);
    // Yeoman runs the priority methods of the generator's own class only, unless told to look further up.
    this.setFeatures({ inheritTasks: true });
    this.option('defaults', { type: Boolean, default: false, description: 'Ask nothing' });
  }

  /** What the project needs before the feature can be added; throws, saying so. */
  _checkProject(): void {}

  /** The line that says the feature was added, and what to do next. */
  abstract _added(): string;

  initializing(): void {
    this._loadForgeConfig();
    this._checkProject();
    ({ adding: this.adding, unedited: this.unedited } = startAdding(this, this.feature, this.label));
  }

  configuring(): void {
    if (this.adding) enableFeature(this, this.feature);
  }

  writing(): void {
    if (this.adding) writeFollowers(this, this.unedited);
    renderFiles(this, this.files, projectContext(this, this.forge));
  }

  /** The feature's dependencies go into .venv, if there is one. */
  async install(): Promise<void> {
    if (this.adding) this.installed = await installAdded(this);
  }

  end(): void {
    if (!this.adding) return;
    const next = this.installed ? '' : " Next: pip install -e '.[dev]' (its new dependencies).";
    this.log.ok(`${this._added()}${next}`);
  }
}
