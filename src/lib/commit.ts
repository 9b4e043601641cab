/**
 * Writing the in-memory file system to disk the way Yeoman's environment does, with honest labels: a file the
 * generators own (their `.forge` specs, `.yo-rc.json`, files they only add lines to) is written without a
 * question, and listed as `create`, `update` or `identical` rather than Yeoman's `force`, a word that says the
 * user's work was overridden. Files a user may have edited still go through the conflicter's question.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { styleText } from 'node:util';
import { createConflicterTransform, createYoResolveTransform, forceYoFiles } from '@yeoman/conflicter';
import { passthrough } from '@yeoman/transform';
import { isFilePending } from 'mem-fs-editor/state';
import { createCommitTransform } from 'mem-fs-editor/transform';
import type Generator from 'yeoman-generator';

/** What a run wrote, counted as its files reached the disk. */
export interface Written {
  created: number;
  updated: number;
}

interface PendingFile {
  path: string;
  contents: Buffer | null;
  conflicter?: string;
  /** Set by ownFile: the generators own this file (or only add lines to it). */
  forgeOwned?: boolean;
}

interface EnvironmentInternals {
  adapter: { log: Record<string, unknown> & { write: (text: string) => unknown } };
  sharedFs: {
    pipeline: (
      options: { filter: (file: PendingFile) => boolean },
      ...transforms: unknown[]
    ) => Promise<void>;
  };
  conflicterOptions?: object;
  composedStore: { findFeature: (name: string) => unknown[] };
}

const written = new WeakMap<object, Written>();

/**
 * Write this file without Yeoman's overwrite question, labelled for what happens to it: forge owns it (a .forge
 * spec) or only adds lines at its needles, so the user's content in it is kept either way.
 */
export function ownFile(generator: Generator, path: string): void {
  (generator.fs.store.get(path) as PendingFile).forgeOwned = true;
}

/**
 * Make the first forge generator of a run (the one the user called) commit the files, and install nothing
 * through npm: a Python project has no package.json, and its own install step says what it does.
 */
export function takeOverCommit(generator: Generator): void {
  const env = generator.env as unknown as EnvironmentInternals;
  // One generator provides them (more would make the environment say which one it picked).
  if (env.composedStore.findFeature('customCommitTask').length > 0) return;
  generator.setFeatures({ customCommitTask: () => commit(env), customInstallTask: true });
}

/** The files this run has written so far (zero before the commit). */
export function writtenFiles(generator: Generator): Written {
  return written.get(generator.env) ?? { created: 0, updated: 0 };
}

async function commit(env: EnvironmentInternals): Promise<void> {
  const log = env.adapter.log;
  // The conflicter prints each file with the log method named after its status; `update` is ours.
  log['update'] ??= (path: string) => {
    const label = 'update'.padStart('identical'.length);
    log.write(`${process.stderr.isTTY ? styleText('green', label) : label} ${path}\n`);
    return log;
  };
  const counts = written.get(env) ?? { created: 0, updated: 0 };
  written.set(env, counts);
  await env.sharedFs.pipeline(
    { filter: (file) => isFilePending(file as never) || file.path.endsWith('.yo-resolve') },
    createYoResolveTransform(),
    forceYoFiles(),
    passthrough((file: PendingFile) => {
      const owned = file.forgeOwned === true || basename(file.path) === '.yo-rc.json';
      if (owned && file.contents !== null) file.conflicter = statusOf(file.path, file.contents);
    }),
    createConflicterTransform(env.adapter as never, env.conflicterOptions as never),
    passthrough((file: PendingFile) => {
      if (!isFilePending(file as never) || file.contents === null) return;
      if (existsSync(file.path)) counts.updated += 1;
      else counts.created += 1;
    }),
    createCommitTransform(),
  );
}

function statusOf(path: string, contents: Buffer): 'create' | 'identical' | 'update' {
  if (!existsSync(path)) return 'create';
  return readFileSync(path).equals(contents) ? 'identical' : 'update';
}
