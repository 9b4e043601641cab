/**
 * The two files every model and resource registers in: the model registry (app/models/__init__.py, which
 * alembic/env.py imports) and the API router aggregator (app/routers/v1/__init__.py). forge:model and forge:crud
 * add their lines at the files' needles; `yo forge` renders the same lines from the stored specs and resource
 * records, in the same order, so re-running it leaves both files as they are.
 */
import { basename } from 'node:path';
import type Generator from 'yeoman-generator';
import { templateContext, type ForgeConfig } from './config.js';
import { listFiles } from './files.js';
import { loadSpecs, modelExport, modelImport } from './models.js';
import { compareSortKeys, insertAtNeedle, NEEDLES } from './python.js';

export const RESOURCE_DIR = '.forge/resources';
export const AGGREGATOR = 'app/routers/v1/__init__.py';

/** What forge:crud wrote for a model, in .forge/resources/<Name>.json: its prefix and each file's hash. */
export interface ResourceRecord {
  prefix: string;
  skipTests: boolean;
  /** --public: no sign-in required, in a project with --auth. */
  public?: boolean;
  /** --owner: the field holding each row's owner; null when none was chosen (not asked again). */
  owner?: string | null;
  /** --private: only the owner (and superusers) sees a row. */
  private?: boolean;
  files: Record<string, string>;
}

/** Every resource record of the project, by model name (in-memory writes of this run included). */
export function loadRecords(generator: Generator): Map<string, ResourceRecord> {
  const records = new Map<string, ResourceRecord>();
  for (const path of listFiles(generator, generator.destinationPath(RESOURCE_DIR))) {
    if (!path.endsWith('.json')) continue;
    const record = generator.fs.readJSON(path) as ResourceRecord | undefined;
    if (record?.prefix) records.set(basename(path, '.json'), record);
  }
  return records;
}

export const routerImport = (table: string) =>
  `from app.routers.v1.${table} import router as ${table}_router`;
export const routerInclude = (table: string) => `api_router.include_router(${table}_router)`;

/**
 * Routers are included by prefix, a longer path before the path it extends (/blog/posts before /blog, whose
 * /{id} route would otherwise take /blog/posts), otherwise alphabetically.
 */
export function comparePrefixes(a: string, b: string): number {
  const left = a.split('/').filter(Boolean);
  const right = b.split('/').filter(Boolean);
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    if (left[i] !== right[i]) return left[i]! < right[i]! ? -1 : 1;
  }
  return right.length - left.length;
}

/** The lines `yo forge` renders into both files for the models and resources the project has now. */
export type RegistryLines = ReturnType<typeof registryLines>;

export function registryLines(generator: Generator) {
  const all = loadSpecs(generator);
  const specs = [...all.values()].filter((spec) => spec.builtin !== true);
  const routers = [...loadRecords(generator)]
    .filter(([name]) => all.has(name))
    .map(([name, record]) => ({ table: all.get(name)!.table, prefix: record.prefix }))
    .sort((a, b) => comparePrefixes(a.prefix, b.prefix));
  return {
    /** Each line sorted into the import block and __all__ as the needle insertions sort them. */
    modelImports: specs.map(modelImport),
    modelExports: specs.map(modelExport),
    routerImports: routers.map((r) => routerImport(r.table)),
    routerIncludes: routers.map((r) => routerInclude(r.table)),
    sortedWith,
  };
}

/** What the project-wide templates (the frame's, the database layer's, auth's) receive: the settings, the registry. */
export function projectContext(generator: Generator, config: ForgeConfig) {
  return { ...templateContext(config), registry: registryLines(generator) };
}

/** Sort `extra` into `base` as insertAtNeedle's sorted mode does. */
export function sortedWith(base: string[], extra: string[]): string[] {
  return [...base, ...extra].sort(compareSortKeys);
}

/**
 * Include a resource's router at the needle of the aggregator's text: the run of resource includes above the
 * needle stays ordered by prefix (`prefixes`: each router module's prefix).
 */
export function includeRouter(content: string, table: string, prefixes: ReadonlyMap<string, string>): string {
  const withLine = insertAtNeedle(content, NEEDLES.routerIncludes, [routerInclude(table)], AGGREGATOR);
  const rows = withLine.split('\n');
  const at = rows.findIndex((row) => row.trim() === `# ${NEEDLES.routerIncludes}`);
  const pattern = /^\s*api_router\.include_router\((\w+)_router\)$/;
  let start = at;
  while (start > 0 && pattern.test(rows[start - 1]!)) start--;
  const prefix = (row: string) => {
    const module = pattern.exec(row)![1]!;
    return prefixes.get(module) ?? `/${module}`;
  };
  const run = rows.slice(start, at).sort((a, b) => comparePrefixes(prefix(a), prefix(b)));
  rows.splice(start, at - start, ...run);
  return rows.join('\n');
}
