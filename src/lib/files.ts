/**
 * File tables: which templates a generator renders, under which condition, to which path. A template lives at
 * `templates/<output path>.ejs` unless `from` names a variant (e.g. the SQLModel and SQLAlchemy model files).
 */
import { existsSync, readdirSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import type Generator from 'yeoman-generator';

export interface FileEntry<C> {
  /** Output path, relative to the project root. */
  to: string | ((context: C) => string);
  /** Template path relative to templates/, without `.ejs`; defaults to the output path. */
  from?: string | ((context: C) => string);
  when?: (context: C) => boolean;
  /** Write only when the file does not exist yet (files the user is expected to edit, such as .env). */
  onlyIfAbsent?: boolean;
  /** Values that differ for this file only (e.g. the real secret in .env, a placeholder in .env.example). */
  with?: (context: C) => Partial<C>;
  /** File permissions, e.g. 0o600 for a file holding secrets. */
  mode?: number;
}

export function renderFiles<C extends object>(
  generator: Generator,
  files: readonly FileEntry<C>[],
  context: C,
): void {
  for (const file of files) {
    if (file.when && !file.when(context)) continue;
    const to = typeof file.to === 'function' ? file.to(context) : file.to;
    const from = typeof file.from === 'function' ? file.from(context) : (file.from ?? to);
    const destination = generator.destinationPath(to);
    if (file.onlyIfAbsent && generator.fs.exists(destination)) continue;
    const data = file.with ? { ...context, ...file.with(context) } : context;
    generator.fs.copyTpl(generator.templatePath(`${from}.ejs`), destination, data);
    if (file.mode !== undefined) {
      // The mode is applied when the file is written to disk (mem-fs-editor reads stat.mode only).
      const stat = { mode: file.mode } as Stats;
      generator.fs.write(destination, generator.fs.read(destination)!, { stat });
    }
  }
}

/**
 * The files directly inside `dir` as this run sees them: those on disk and those written earlier in the run,
 * which are still only in memory; files deleted in the run are left out.
 */
export function listFiles(generator: Generator, dir: string): string[] {
  const paths = new Set<string>(existsSync(dir) ? readdirSync(dir).map((name) => join(dir, name)) : []);
  for (const path of Object.keys(generator.fs.dump(dir))) {
    if (!path.startsWith('..') && !path.includes('/')) paths.add(join(dir, path));
  }
  return [...paths].filter((path) => generator.fs.exists(path)).sort();
}
