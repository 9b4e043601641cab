import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const GENERATORS = join(REPO_ROOT, 'generators');
export const CACHE_DIR = join(REPO_ROOT, '.cache');

export const generatorPath = (name: string): string => join(GENERATORS, name);

/** Every forge generator, by namespace, for yeoman-test's withGenerators. */
export const FORGE_GENERATORS: [string, { namespace: string }][] = [
  'auth',
  'crud',
  'database',
  'docker',
  'email',
  'import',
  'metrics',
  'model',
  'redis',
].map((name) => [generatorPath(name), { namespace: `forge:${name}` }]);
