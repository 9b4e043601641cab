import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Generator from 'yeoman-generator';
import type { BaseOptions } from 'yeoman-generator';
import helpers from 'yeoman-test';
import type { Database, Orm } from '../../src/lib/config.js';
import { FORGE_GENERATORS, generatorPath } from './paths.js';

/** Generators as the tests drive them: any option may be passed, as on the command line. */
export type AnyGenerator = Generator<Record<string, unknown>, BaseOptions & Record<string, unknown>>;

/** yeoman-test's run, typed for command-line style options. */
export const runGenerator = (path: string) => helpers.run<AnyGenerator>(path);

/**
 * A yeoman-test run of `yo forge` with the real sub-generators registered, in a fresh folder; without the git
 * repository (its own tests pass `git: true`).
 */
export function runApp(dir = mkdtempSync(join(tmpdir(), 'forge-unit-'))) {
  return runGenerator(generatorPath('app'))
    .withGenerators(FORGE_GENERATORS)
    .cd(dir)
    .withOptions({ git: false });
}

/** A fresh `yo forge api --defaults` project (auth on unless `auth: false`); its root. */
export async function newProject(
  database: Database = 'sqlite',
  orm: Orm = 'sqlmodel',
  options: { auth?: boolean } = {},
): Promise<string> {
  const result = await runApp()
    .withArguments(['api'])
    .withOptions({ database, orm, ...options, defaults: true, skipInstall: true });
  return join(result.cwd, 'api');
}

/** Every file below `root`, relative and sorted (dotfiles included). */
export function listFiles(root: string, prefix = ''): string[] {
  return readdirSync(join(root, prefix), { withFileTypes: true })
    .flatMap((entry) => {
      const path = prefix ? `${prefix}/${entry.name}` : entry.name;
      return entry.isDirectory() ? listFiles(root, path) : [path];
    })
    .sort();
}

/** A file of a project, as text. */
export const readProjectFile = (project: string, file: string): string =>
  readFileSync(join(project, file), 'utf8');

/** Every file of a project with its text: equal snapshots mean a run changed nothing. */
export const snapshotProject = (project: string): string[][] =>
  listFiles(project).map((file) => [file, readProjectFile(project, file)]);

/** A yeoman-test run of forge:`name` in `project`, asking nothing unless `defaults: false`. */
export const runInProject = (name: string, project: string, options: Record<string, unknown> = {}) =>
  runGenerator(generatorPath(name))
    .withGenerators(FORGE_GENERATORS)
    .cd(project)
    .withOptions({ defaults: true, ...options });
