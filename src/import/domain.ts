/**
 * A domain file (`yo forge:import domain.yml`): models, their fields in forge:model's own field syntax, renames
 * and REST resources, read from YAML and validated as a whole before anything runs, every error with its line.
 *
 *     models:
 *       Post:
 *         fields:
 *           title: str:max=200
 *           author: ref=User
 *           tags: many=Tag
 *         renamed: { headline: title }   # old: new, applied once
 *         crud: { owner: author }         # or true; prefix, public, private, skip_tests
 */
import { isMap, isScalar, LineCounter, parseDocument, type Node, type Pair, type YAMLMap } from 'yaml';
import { FieldError, parseFields, type FieldSpec } from '../lib/fields.js';
import { parseModelName, unknownModel } from '../lib/names.js';
import type { ModelSpec } from '../lib/spec.js';

export interface DomainField {
  /** The field's name as written (a reference by its relation: `author`). */
  name: string;
  /** `name:definition`, as forge:model takes it on the command line. */
  spec: string;
  /** The model a reference (`ref=`, `one=`) or a many-to-many link (`many=`) points at. */
  target?: string;
  /** A many-to-many link. */
  many: boolean;
  /** A reference that may be null: it can be added after its target exists. */
  optional: boolean;
  line: number;
}

export interface DomainCrud {
  owner?: string;
  prefix?: string;
  public?: boolean;
  private?: boolean;
  skipTests?: boolean;
}

export interface DomainModel {
  name: string;
  line: number;
  fields: DomainField[];
  /** [old, new] field names. */
  renamed: [string, string][];
  /** REST endpoints (forge:crud); absent: the model only. */
  crud?: DomainCrud;
  table?: string;
  timestamps?: boolean;
}

export class DomainError extends Error {}

/** The line (1-based) where a node of the document starts. */
type LineOf = (node: Node | null | undefined) => number;

const MODEL_KEYS = new Set(['fields', 'renamed', 'crud', 'table', 'timestamps']);
const CRUD_KEYS = new Set(['owner', 'prefix', 'public', 'private', 'skip_tests']);
const MANY = /^many=([A-Za-z][A-Za-z0-9]*)$/;

/**
 * The models of a domain file, in the file's order. Throws DomainError listing every problem as `file:line:
 * message`, one per line; `project` holds the models the project has already (references may point at them).
 */
export function parseDomain(
  text: string,
  file: string,
  project: ReadonlyMap<string, ModelSpec>,
  auth: boolean,
): DomainModel[] {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true });
  const errors: string[] = [];
  const lineOf: LineOf = (node) => (node?.range ? lineCounter.linePos(node.range[0]).line : 1);
  const fail = (line: number, message: string) => errors.push(`${file}:${line}: ${message}`);
  for (const error of document.errors) fail(error.linePos?.[0].line ?? 1, error.message.split('\n')[0]!);
  if (errors.length > 0) throw new DomainError(errors.join('\n'));

  const root = document.contents;
  const models: DomainModel[] = [];
  if (!isMap(root) || !root.items.every((pair) => isScalar(pair.key) && pair.key.value === 'models')) {
    fail(lineOf(root), 'the file holds one key, models: a mapping of model names to their definitions');
    throw new DomainError(errors.join('\n'));
  }
  const modelsNode = root.get('models', true);
  if (!isMap(modelsNode) || modelsNode.items.length === 0) {
    fail(lineOf(modelsNode ?? root), 'models: expected a mapping of model names to their definitions');
    throw new DomainError(errors.join('\n'));
  }
  for (const pair of modelsNode.items) {
    const line = lineOf(pair.key as Node | null);
    const raw = isScalar(pair.key) ? String(pair.key.value) : '';
    let name: string;
    try {
      name = parseModelName(raw, 'forge:import', new Set());
    } catch (error) {
      fail(line, (error as Error).message);
      continue;
    }
    if (name !== raw) {
      fail(line, `model "${raw}": write its class name, ${name}`);
      continue;
    }
    if (project.get(name)?.builtin === true) {
      fail(line, `${name} is an authentication model: reference it (ref=${name}), do not define it`);
      continue;
    }
    const model = parseModel(name, line, pair.value as Node | null, lineOf, fail, auth);
    if (model !== undefined) models.push(model);
  }
  checkTargets(models, project, file, errors);
  checkCycles(models, file, errors);
  const lineNumber = (error: string) => Number(/:(\d+): /.exec(error.slice(file.length))?.[1] ?? 0);
  errors.sort((a, b) => lineNumber(a) - lineNumber(b));
  if (errors.length > 0) throw new DomainError(errors.join('\n'));
  return models;
}

function parseModel(
  name: string,
  line: number,
  node: Node | null,
  lineOf: LineOf,
  fail: (line: number, message: string) => void,
  auth: boolean,
): DomainModel | undefined {
  if (!isMap(node)) {
    fail(line, `${name}: expected a mapping with fields (and renamed, crud, table, timestamps)`);
    return undefined;
  }
  const model: DomainModel = { name, line, fields: [], renamed: [] };
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!MODEL_KEYS.has(key)) {
      fail(
        lineOf(pair.key as Node | null),
        `${name}: unknown key "${key}"; expected ${[...MODEL_KEYS].join(', ')}`,
      );
    }
  }
  const fields = node.get('fields', true);
  if (fields !== undefined && fields !== null && !isMap(fields)) {
    fail(
      lineOf(fields),
      `${name}.fields: expected a mapping of field names to definitions (title: str:max=200)`,
    );
  }
  for (const pair of isMap(fields) ? (fields as YAMLMap).items : []) {
    const field = parseField(name, pair, lineOf, fail);
    if (field !== undefined) model.fields.push(field);
  }
  const renamed = node.get('renamed', true);
  if (renamed !== undefined && !isMap(renamed)) {
    fail(
      lineOf(renamed),
      `${name}.renamed: expected a mapping of old field names to new ones (title: headline)`,
    );
  }
  for (const pair of isMap(renamed) ? (renamed as YAMLMap).items : []) {
    const [from, to] = [pair.key, pair.value].map((n) => (isScalar(n) ? String(n.value) : ''));
    if (!from || !to) fail(lineOf(pair.key as Node | null), `${name}.renamed: expected old: new`);
    else if (!model.fields.some((f) => f.name === to)) {
      fail(lineOf(pair.key as Node | null), `${name}.renamed: "${to}" is not among the fields of ${name}`);
    } else model.renamed.push([from, to]);
  }
  const table = node.get('table', true);
  if (table !== undefined) {
    if (isScalar(table) && typeof table.value === 'string') model.table = table.value;
    else fail(lineOf(table), `${name}.table: expected a table name`);
  }
  const timestamps = node.get('timestamps', true);
  if (timestamps !== undefined) {
    if (isScalar(timestamps) && typeof timestamps.value === 'boolean') model.timestamps = timestamps.value;
    else fail(lineOf(timestamps), `${name}.timestamps: expected true or false`);
  }
  const crud = node.get('crud', true);
  if (crud !== undefined) model.crud = parseCrud(model, crud as Node, lineOf, fail, auth);
  return model;
}

function parseField(
  model: string,
  pair: Pair,
  lineOf: LineOf,
  fail: (line: number, message: string) => void,
): DomainField | undefined {
  const line = lineOf(pair.key as Node | null);
  const name = isScalar(pair.key) ? String(pair.key.value) : '';
  const value = isScalar(pair.value) ? pair.value.value : undefined;
  if (typeof value !== 'string' || value === '') {
    fail(line, `${model}.${name}: expected a definition such as str:max=200, ref=User or many=Tag`);
    return undefined;
  }
  const spec = `${name}:${value}`;
  const many = MANY.exec(value);
  if (many !== null) return { name, spec, target: many[1], many: true, optional: true, line };
  if (value.startsWith('many=')) {
    fail(line, `${model}.${name}: "${value}": expected many=Model, e.g. tags: many=Tag (no other modifier)`);
    return undefined;
  }
  let parsed: FieldSpec;
  try {
    [parsed] = parseFields([spec]) as [FieldSpec];
  } catch (error) {
    if (!(error instanceof FieldError)) throw error;
    fail(line, `${model}: ${error.message}`);
    return undefined;
  }
  // A reference is named by its relation in the file, as on the command line (author, not author_id).
  return { name, spec, target: parsed.ref, many: false, optional: parsed.optional === true, line };
}

function parseCrud(
  model: DomainModel,
  node: Node,
  lineOf: LineOf,
  fail: (line: number, message: string) => void,
  auth: boolean,
): DomainCrud | undefined {
  if (isScalar(node) && typeof node.value === 'boolean') return node.value ? {} : undefined;
  if (!isMap(node)) {
    fail(lineOf(node), `${model.name}.crud: expected true, or a mapping of ${[...CRUD_KEYS].join(', ')}`);
    return undefined;
  }
  const crud: DomainCrud = {};
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    const value = isScalar(pair.value) ? pair.value.value : undefined;
    const line = lineOf(pair.key as Node | null);
    if (!CRUD_KEYS.has(key)) {
      fail(line, `${model.name}.crud: unknown key "${key}"; expected ${[...CRUD_KEYS].join(', ')}`);
    } else if (key === 'owner' || key === 'prefix') {
      if (typeof value === 'string') crud[key] = value;
      else fail(line, `${model.name}.crud.${key}: expected a ${key === 'owner' ? 'field name' : 'path'}`);
    } else if (typeof value === 'boolean') {
      crud[key === 'skip_tests' ? 'skipTests' : (key as 'public' | 'private')] = value;
    } else fail(line, `${model.name}.crud.${key}: expected true or false`);
  }
  const line = lineOf(node);
  if (crud.owner !== undefined) {
    const owner = model.fields.find((f) => f.name === crud.owner || `${f.name}_id` === crud.owner);
    if (!auth)
      fail(line, `${model.name}.crud.owner: the project has no authentication (made with --no-auth)`);
    else if (owner?.target !== 'User' || owner.many) {
      fail(line, `${model.name}.crud.owner: "${crud.owner}" must be a field of ${model.name} with ref=User`);
    }
    if (crud.public === true) fail(line, `${model.name}.crud: public and owner exclude each other`);
  } else if (crud.private === true) {
    fail(line, `${model.name}.crud: private needs an owner`);
  }
  return crud;
}

/** Every reference and link points at a model of the file or of the project. */
function checkTargets(
  models: readonly DomainModel[],
  project: ReadonlyMap<string, ModelSpec>,
  file: string,
  errors: string[],
): void {
  const known = new Set([...models.map((m) => m.name), ...project.keys()]);
  for (const model of models) {
    for (const field of model.fields) {
      if (field.target === undefined || known.has(field.target)) continue;
      errors.push(
        `${file}:${field.line}: ${model.name}.${field.name}: ${unknownModel(field.target, [...known].sort())}`,
      );
    }
  }
}

/** Required references among the file's models may not form a cycle: no row could be inserted first. */
function checkCycles(models: readonly DomainModel[], file: string, errors: string[]): void {
  const byName = new Map(models.map((m) => [m.name, m]));
  const required = (model: DomainModel) =>
    model.fields.filter((f) => !f.optional && !f.many && f.target !== model.name && byName.has(f.target!));
  const done = new Set<string>();
  const visit = (model: DomainModel, path: DomainModel[]): void => {
    const start = path.indexOf(model);
    if (start >= 0) {
      const cycle = [...path.slice(start), model].map((m) => m.name).join(' -> ');
      errors.push(
        `${file}:${model.line}: required references form a cycle (${cycle}): make one of them optional`,
      );
      return;
    }
    if (done.has(model.name)) return;
    for (const field of required(model)) visit(byName.get(field.target!)!, [...path, model]);
    done.add(model.name);
  };
  for (const model of models) visit(model, []);
}
