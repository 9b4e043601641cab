/**
 * File tables: which templates a generator renders, under which condition, to which path. A template lives at
 * `templates/<output path>.ejs` unless `from` names a variant (e.g. the SQLModel and SQLAlchemy model files).
 */
import { existsSync, readdirSync, readFileSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import ejs from 'ejs';
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

/** Each file of the table that applies to `context`: its template, destination and data. */
function plan<C extends object>(
  generator: Generator,
  files: readonly FileEntry<C>[],
  context: C,
  templates: string,
) {
  return files
    .filter((file) => file.when === undefined || file.when(context))
    .map((file) => {
      const to = typeof file.to === 'function' ? file.to(context) : file.to;
      const from = typeof file.from === 'function' ? file.from(context) : (file.from ?? to);
      return {
        file,
        template: join(templates, `${from}.ejs`),
        destination: generator.destinationPath(to),
        data: file.with ? { ...context, ...file.with(context) } : context,
      };
    });
}

/** Render `files` from `templates` (the generator's own, or another generator's: see templatesOf). */
export function renderFiles<C extends object>(
  generator: Generator,
  files: readonly FileEntry<C>[],
  context: C,
  templates = generator.templatePath(),
): void {
  for (const { file, template, destination, data } of plan(generator, files, context, templates)) {
    if (file.onlyIfAbsent && generator.fs.exists(destination)) continue;
    generator.fs.copyTpl(template, destination, data);
    if (file.mode !== undefined) {
      // The mode is applied when the file is written to disk (mem-fs-editor reads stat.mode only).
      const stat = { mode: file.mode } as Stats;
      generator.fs.write(destination, generator.fs.read(destination)!, { stat });
    }
  }
}

/**
 * The files of the table that are on disk as `context` renders them (unedited since forge wrote them), and those
 * that differ; files written once (onlyIfAbsent, such as .env) are left out of both.
 */
export function compareRendered<C extends object>(
  generator: Generator,
  files: readonly FileEntry<C>[],
  context: C,
  templates = generator.templatePath(),
): { unedited: string[]; edited: string[] } {
  const result = { unedited: [] as string[], edited: [] as string[] };
  for (const { file, template, destination, data } of plan(generator, files, context, templates)) {
    if (file.onlyIfAbsent || !existsSync(destination)) continue;
    const rendered = ejs.render(readFileSync(template, 'utf8'), data, { filename: template });
    (readFileSync(destination, 'utf8') === rendered ? result.unedited : result.edited).push(destination);
  }
  return result;
}

/** The templates of the generator `name` (generators/<name>/templates), for one that renders another's files. */
export const templatesOf = (generator: Generator, name: string): string =>
  join(generator.templatePath(), '..', '..', name, 'templates');

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
