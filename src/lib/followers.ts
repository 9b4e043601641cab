/**
 * Files that follow a project setting (`auth`, `email`) but belong to other generators: the generator that turns
 * the setting on in an existing project renders them again. Each must still be as forge wrote it before the
 * change; an edited one is refused, unless --force or a terminal where it is asked file by file.
 */
import { relative } from 'node:path';
import type { ForgeGenerator } from './base.js';
import type { ForgeConfig, TemplateContext } from './config.js';
import { compareRendered, templatesOf, type FileEntry } from './files.js';
import { projectContext, type RegistryLines } from './registry.js';

/** A table of another generator's files, and that generator's name (for its templates). */
export type Followers = readonly [
  files: readonly FileEntry<TemplateContext & { registry: RegistryLines }>[],
  generator: string,
];

/**
 * The followers on disk exactly as `before` renders them (updated without a question); throws, naming them, when
 * others were edited and this run may neither overwrite nor ask. `change` says what the run does.
 */
export function uneditedFollowers(
  generator: ForgeGenerator,
  before: ForgeConfig,
  groups: readonly Followers[],
  change: string,
): string[] {
  const context = projectContext(generator, before);
  const unedited: string[] = [];
  const edited: string[] = [];
  for (const [files, name] of groups) {
    const result = compareRendered(generator, files, context, templatesOf(generator, name));
    unedited.push(...result.unedited);
    edited.push(...result.edited.map((path) => relative(generator.destinationRoot(), path)));
  }
  const { force } = generator.options as { force?: boolean };
  if (edited.length > 0 && force !== true && !generator._canAsk()) {
    throw new Error(
      `${change} renders ${edited.join(', ')} again, and they changed since forge wrote them. Keep a copy of your changes, then re-run with --force (or in a terminal, to be asked file by file).`,
    );
  }
  return unedited;
}
