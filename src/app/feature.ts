/**
 * Adding a feature (email, Redis) to an existing project: the generator of the feature sets it in .yo-rc.json,
 * renders again the files of other generators that follow it (each must still be as forge wrote it: an edited one
 * is refused unless --force or a terminal asks), writes its own files and installs the new dependencies into the
 * project's .venv. Composed by `yo forge --<feature>`, the same generator only writes its own files.
 */
import { existsSync } from 'node:fs';
import { AUTH_FILES } from '../auth/files.js';
import { DATABASE_FILES, writeDatabaseFiles } from '../database/files.js';
import { DOCKER_FOLLOWERS } from '../docker/files.js';
import type { ForgeGenerator } from '../lib/base.js';
import { ownFile } from '../lib/commit.js';
import type { ForgeConfig } from '../lib/config.js';
import { renderFiles, templatesOf } from '../lib/files.js';
import { uneditedFollowers, type Followers } from '../lib/followers.js';
import { projectContext } from '../lib/registry.js';
import { APP_FILES, writeAppFiles } from './files.js';
import { installPythonEnvironment, skipsInstall } from './install.js';

export type Feature = 'email' | 'redis';

/** The files that follow a feature: the frame's, the database layer's, and authentication's when it is on. */
function followers(config: ForgeConfig): Followers[] {
  return [
    [APP_FILES, 'app'],
    [DATABASE_FILES, 'database'],
    ...(config.auth ? ([[AUTH_FILES, 'auth']] as Followers[]) : []),
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
  renderFiles(generator, DOCKER_FOLLOWERS, context, templatesOf(generator, 'docker'));
  for (const path of unedited) ownFile(generator, path);
}

/** Install the feature's dependencies into the project's .venv, if it has one; whether it did. */
export async function installAdded(generator: ForgeGenerator): Promise<boolean> {
  if (skipsInstall(generator.options) || !existsSync(generator.destinationPath('.venv'))) return false;
  return installPythonEnvironment(generator, generator.destinationRoot(), 'existing');
}
