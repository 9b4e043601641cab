/**
 * From a ModelSpec to the Python a model file and its migrations contain: field lines in the project's ORM
 * style, Alembic column definitions for its database, and import blocks sorted the way ruff (isort) sorts them.
 * Lines are wrapped the way `ruff format` wraps them, so generated files are format-clean as rendered.
 */
import type { Database, Orm } from './config.js';
import {
  DEFAULT_PRECISION,
  DEFAULT_SCALE,
  DEFAULT_STRING_LENGTH,
  parseDefault,
  type FieldSpec,
  type FieldType,
  type OnDelete,
} from './fields.js';
import type { Link, ModelSpec } from './spec.js';

export const LINE_LENGTH = 100;
const ON_DELETE_SQL: Record<OnDelete, string> = {
  cascade: 'CASCADE',
  'set-null': 'SET NULL',
  restrict: 'RESTRICT',
};

/** `prefix(args)suffix` at `indent`, split like ruff format: one line, hugged arguments, or one per line. */
export function pyCall(indent: string, prefix: string, args: string[], suffix = ''): string {
  const oneLine = `${indent}${prefix}(${args.join(', ')})${suffix}`;
  if (oneLine.length <= LINE_LENGTH) return oneLine;
  // ruff format gives a definition's lone parameter a trailing comma, a call's lone argument none.
  const lone = args.length === 1 && /^(async )?def /.test(prefix) ? ',' : '';
  const inner = `${indent}    ${args.join(', ')}${lone}`;
  if (inner.length <= LINE_LENGTH) return `${indent}${prefix}(\n${inner}\n${indent})${suffix}`;
  return `${indent}${prefix}(\n${args.map((arg) => `${indent}    ${arg},`).join('\n')}\n${indent})${suffix}`;
}

/** A Python string literal as ruff format writes it: double quotes, unless single ones need fewer escapes. */
export function pyString(text: string): string {
  const count = (quote: string) => text.split(quote).length - 1;
  const quote = count('"') > count("'") ? "'" : '"';
  return `${quote}${text.replace(/\\/g, '\\\\').replaceAll(quote, `\\${quote}`)}${quote}`;
}

/** Collects `import module` and `from module import name` lines and prints them as ruff's isort would. */
export class Imports {
  #modules = new Map<string, Set<string>>();
  #plain = new Set<string>();

  /** `import module`. */
  module(module: string): this {
    this.#plain.add(module);
    return this;
  }

  add(module: string, ...names: string[]): this {
    const set = this.#modules.get(module) ?? new Set<string>();
    names.forEach((name) => set.add(name));
    this.#modules.set(module, set);
    return this;
  }

  /** Sections (standard library, third party, first party) separated by blank lines. */
  render(): string {
    const section = (module: string) =>
      module.startsWith('app.') || module === 'app' ? 2 : STDLIB.has(module.split('.')[0]!) ? 0 : 1;
    const lines: string[][] = [[], [], []];
    // Within a section, isort puts `import x` lines before `from x import y` lines.
    for (const module of [...this.#plain].sort()) lines[section(module)]!.push(`import ${module}`);
    for (const module of [...this.#modules.keys()].sort()) {
      const names = [...this.#modules.get(module)!].sort(compareImportNames);
      const line = `from ${module} import ${names.join(', ')}`;
      lines[section(module)]!.push(
        line.length <= LINE_LENGTH
          ? line
          : `from ${module} import (\n${names.map((n) => `    ${n},`).join('\n')}\n)`,
      );
    }
    return lines
      .filter((group) => group.length > 0)
      .map((group) => group.join('\n'))
      .join('\n\n');
  }
}

const STDLIB = new Set(['collections', 'datetime', 'decimal', 'enum', 'itertools', 'json', 'typing', 'uuid']);

/** isort's order-by-type: CONSTANTS, then Classes, then functions and variables; each case-sensitively. */
function compareImportNames(a: string, b: string): number {
  const kind = (name: string) =>
    name === name.toUpperCase() && /[A-Z]/.test(name) ? 0 : /^[A-Z]/.test(name) ? 1 : 2;
  return kind(a) - kind(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** The facts a template needs about one field, for the project's ORM and database. */
export interface FieldView {
  name: string;
  /** The model attribute line(s), indented for the class body. */
  modelLine: string;
  /** Arguments of the field's `sa.Column(...)` in migrations. */
  columnArgs: string[];
  nullable: boolean;
  unique: boolean;
  index: boolean;
  fk?: { table: string; column: string; ondelete?: string };
}

interface RenderTarget {
  orm: Orm;
  database: Database;
}

/** Each field type's Python annotation, and the module it comes from (none for builtins). */
const PYTHON_TYPES: Record<FieldType, { name: string; module?: string; imported?: string }> = {
  str: { name: 'str' },
  text: { name: 'str' },
  int: { name: 'int' },
  bigint: { name: 'int' },
  float: { name: 'float' },
  decimal: { name: 'Decimal', module: 'decimal' },
  bool: { name: 'bool' },
  date: { name: 'date', module: 'datetime' },
  datetime: { name: 'datetime', module: 'datetime' },
  time: { name: 'time', module: 'datetime' },
  uuid: { name: 'UUID', module: 'uuid' },
  json: { name: 'dict[str, Any]', module: 'typing', imported: 'Any' },
};

/** The field's Python type (without `| None`), with its import added to `imports`. */
export function importedPythonType(field: FieldSpec, imports: Imports): string {
  const { name, module, imported } = PYTHON_TYPES[field.type];
  if (module !== undefined) imports.add(module, imported ?? name);
  return name;
}

function pythonType(field: FieldSpec): string {
  const base = PYTHON_TYPES[field.type].name;
  return field.optional ? `${base} | None` : base;
}

/** What a column of a str or decimal field can hold, as pydantic / SQLModel `Field(...)` arguments. */
export function lengthAndDigits(field: FieldSpec): string[] {
  if (field.type === 'str') return [`max_length=${field.max ?? DEFAULT_STRING_LENGTH}`];
  if (field.type === 'decimal') {
    return [
      `max_digits=${field.precision ?? DEFAULT_PRECISION}`,
      `decimal_places=${field.scale ?? DEFAULT_SCALE}`,
    ];
  }
  return [];
}

/** The SQLAlchemy type expression in a model (names imported from sqlalchemy / app.core.database). */
function modelType(field: FieldSpec, imports: Imports): string | undefined {
  const sa = (name: string, expression = name) => {
    imports.add('sqlalchemy', name);
    return expression;
  };
  switch (field.type) {
    case 'str':
      return sa('String', `String(${field.max ?? DEFAULT_STRING_LENGTH})`);
    case 'text':
      return sa('Text');
    case 'int':
      return sa('Integer');
    case 'bigint':
      return sa('BigInteger');
    case 'float':
      return sa('Double');
    case 'decimal':
      return sa(
        'Numeric',
        `Numeric(${field.precision ?? DEFAULT_PRECISION}, ${field.scale ?? DEFAULT_SCALE})`,
      );
    case 'bool':
      return sa('Boolean');
    case 'date':
      return sa('Date');
    case 'datetime':
      imports.add('app.core.database', 'UTCDateTime');
      return 'UTCDateTime';
    case 'time':
      return sa('Time');
    case 'uuid':
      return sa('Uuid');
    case 'json':
      return sa('JSON');
  }
}

/** The field's column type in migrations. */
export function migrationType(field: FieldSpec, database: Database): string {
  switch (field.type) {
    case 'str':
      return `sa.String(length=${field.max ?? DEFAULT_STRING_LENGTH})`;
    case 'decimal':
      return `sa.Numeric(precision=${field.precision ?? DEFAULT_PRECISION}, scale=${field.scale ?? DEFAULT_SCALE})`;
    case 'datetime':
      return timestampType(database);
    default:
      return `sa.${{ text: 'Text', int: 'Integer', bigint: 'BigInteger', float: 'Double', bool: 'Boolean', date: 'Date', time: 'Time', uuid: 'Uuid', json: 'JSON' }[field.type]}()`;
  }
}

/** The column type of timezone-aware timestamps in migrations (UTCDateTime's implementation per database). */
export function timestampType(database: Database): string {
  return database === 'mysql' ? 'mysql.DATETIME(fsp=6)' : 'sa.DateTime(timezone=True)';
}

/** Python default and server default, with their imports. */
function defaults(field: FieldSpec, imports: Imports): { python?: string; server?: string } {
  if (field.default === undefined) return {};
  const value = parseDefault(field);
  if (value.python === 'utc_now') imports.add('app.core.database', 'utc_now');
  if (value.python === 'uuid4') imports.add('uuid', 'uuid4');
  if (value.python.startsWith('Decimal(')) imports.add('decimal', 'Decimal');
  if (value.server?.startsWith('text(')) imports.add('sqlalchemy', 'text');
  if (value.server === 'true()' || value.server === 'false()')
    imports.add('sqlalchemy', value.server.slice(0, -2));
  return value;
}

function foreignKey(field: FieldSpec, specs: ReadonlyMap<string, ModelSpec>): FieldView['fk'] {
  const ondelete = field.ondelete && ON_DELETE_SQL[field.ondelete];
  if (field.ref !== undefined) return { table: specs.get(field.ref)!.table, column: 'id', ondelete };
  if (field.fk !== undefined) {
    const [table = '', column = ''] = field.fk.split('.');
    return { table, column, ondelete };
  }
  return undefined;
}

function sqlalchemyField(field: FieldSpec, fk: FieldView['fk'], imports: Imports): string {
  const args = [modelType(field, imports)!];
  if (fk) {
    imports.add('sqlalchemy', 'ForeignKey');
    args.push(`ForeignKey("${fk.table}.${fk.column}"${fk.ondelete ? `, ondelete="${fk.ondelete}"` : ''})`);
  }
  if (field.unique) args.push('unique=True');
  if (field.index) args.push('index=True');
  const { python, server } = defaults(field, imports);
  if (python !== undefined) args.push(`default=${python}`);
  if (server !== undefined) args.push(`server_default=${server}`);
  return pyCall('    ', `${field.name}: Mapped[${pythonType(field)}] = mapped_column`, args);
}

function sqlmodelField(field: FieldSpec, fk: FieldView['fk'], imports: Imports): string {
  const args: string[] = [];
  const { python, server } = defaults(field, imports);
  if (python === 'utc_now' || python === 'uuid4') args.push(`default_factory=${python}`);
  else if (python !== undefined) args.push(`default=${python}`);
  else if (field.optional) args.push('default=None');
  const limits = lengthAndDigits(field);
  if (limits.length > 0) args.push(...limits);
  else if (!['int', 'bool', 'date', 'time'].includes(field.type)) {
    args.push(`sa_type=${modelType(field, imports)!}`);
  }
  if (fk) {
    args.push(`foreign_key="${fk.table}.${fk.column}"`);
    if (fk.ondelete) args.push(`ondelete="${fk.ondelete}"`);
  }
  if (field.unique) args.push('unique=True');
  if (field.index) args.push('index=True');
  if (server !== undefined) args.push(`sa_column_kwargs={"server_default": ${server}}`);
  return pyCall('    ', `${field.name}: ${pythonType(field)} = Field`, args);
}

/** The field's server default in migrations (`sa.text("0")`, `"draft"`, `sa.true()`), if it has one. */
export function migrationServerDefault(field: FieldSpec): string | undefined {
  const server = field.default === undefined ? undefined : parseDefault(field).server;
  if (server === undefined) return undefined;
  return server.startsWith('"') ? server : `sa.${server}`;
}

export function migrationColumnArgs(field: FieldSpec, database: Database): string[] {
  const args = [`"${field.name}"`, migrationType(field, database)];
  args.push(`nullable=${field.optional ? 'True' : 'False'}`);
  const server = migrationServerDefault(field);
  if (server !== undefined) args.push(`server_default=${server}`);
  return args;
}

/** Field views for a model, in the spec's order. */
export function fieldViews(
  spec: ModelSpec,
  specs: ReadonlyMap<string, ModelSpec>,
  target: RenderTarget,
  imports: Imports,
): FieldView[] {
  return spec.fields.map((field) => {
    importedPythonType(field, imports);
    const fk = foreignKey(field, specs);
    return {
      name: field.name,
      modelLine:
        target.orm === 'sqlalchemy' ? sqlalchemyField(field, fk, imports) : sqlmodelField(field, fk, imports),
      columnArgs: migrationColumnArgs(field, target.database),
      nullable: field.optional === true,
      unique: field.unique === true,
      index: field.index === true,
      fk,
    };
  });
}

/** Relationship attribute lines: many-to-one for each `ref`, one-to-many for each back reference. */
export function relationshipLines(
  spec: ModelSpec,
  specs: ReadonlyMap<string, ModelSpec>,
  orm: Orm,
  imports: Imports,
): string[] {
  const related = new Set<string>();
  const lines: string[] = [];
  for (const field of spec.fields.filter((f) => f.ref !== undefined)) {
    const target = specs.get(field.ref!)!;
    related.add(target.name);
    const backref = target.backrefs.find((b) => b.model === spec.name && b.relation === field.relation)!;
    const options: RelationshipOptions = { back_populates: backref.name };
    if (ambiguous(spec, target)) options.foreign_keys = `${spec.name}.${field.name}`;
    // A reference to the same table needs to know which side is the parent.
    if (target.name === spec.name) options.remote_side = `${spec.name}.id`;
    if (field.one) options.uselist = false;
    let annotation = `"${target.name}"`;
    if (field.optional) {
      if (orm === 'sqlmodel') imports.add('typing', 'Optional');
      annotation = orm === 'sqlalchemy' ? `"${target.name} | None"` : `Optional["${target.name}"]`;
    }
    lines.push(relationshipLine(field.relation!, annotation, options, orm));
  }
  for (const link of spec.links ?? []) {
    related.add(link.model);
    const target = specs.get(link.model)!;
    const backref = target.backrefs.find((b) => b.model === spec.name && b.relation === link.name)!;
    // The association rows go with either row through ON DELETE CASCADE: nothing to load first.
    // The linked rows come with every row (one more query for any number of rows): the API returns
    // their ids (tag_ids) wherever the row appears, embedded in another's included.
    const options: RelationshipOptions = {
      back_populates: backref.name,
      passive_deletes: true,
      secondary: link.table,
      lazy: 'selectin',
      ...selfJoins(spec, link, false),
    };
    lines.push(relationshipLine(link.name, `list["${link.model}"]`, options, orm));
  }
  for (const backref of spec.backrefs) {
    related.add(backref.model);
    const source = specs.get(backref.model)!;
    const options: RelationshipOptions = { back_populates: backref.relation, passive_deletes: true };
    if (backref.link !== undefined) {
      options.secondary = backref.link;
      const link = backref.model === spec.name && spec.links?.find((l) => l.name === backref.relation);
      if (link) Object.assign(options, selfJoins(spec, link, true));
    } else if (ambiguous(source, spec)) options.foreign_keys = `${source.name}.${backref.relation}_id`;
    let annotation = `list["${backref.model}"]`;
    if (backref.one) {
      options.uselist = false;
      if (orm === 'sqlmodel') imports.add('typing', 'Optional');
      annotation = orm === 'sqlalchemy' ? `"${backref.model} | None"` : `Optional["${backref.model}"]`;
    }
    lines.push(relationshipLine(backref.name, annotation, options, orm));
  }
  if (lines.length > 0) {
    imports.add(
      orm === 'sqlalchemy' ? 'sqlalchemy.orm' : 'sqlmodel',
      orm === 'sqlalchemy' ? 'relationship' : 'Relationship',
    );
  }
  related.delete(spec.name);
  if (related.size > 0) imports.add('typing', 'TYPE_CHECKING');
  return lines;
}

interface RelationshipOptions {
  back_populates: string;
  passive_deletes?: boolean;
  foreign_keys?: string;
  remote_side?: string;
  /** One-to-one: a single object, not a list. */
  uselist?: false;
  /** Many-to-many: the association table. */
  secondary?: string;
  /** How the relationship loads: "raise" (never lazily) unless said. */
  lazy?: 'selectin';
  /** A link from a model to itself: the join conditions through the association table. */
  primaryjoin?: string;
  secondaryjoin?: string;
  /** How many times the model may appear on an eager loading path. */
  join_depth?: number;
}

/**
 * A link from a model to itself: which column of the association table holds this row and which the linked one
 * (`reverse`: the other side, the rows that link to this one). Other links need no join conditions.
 */
function selfJoins(spec: ModelSpec, link: Link, reverse: boolean): Partial<RelationshipOptions> {
  if (link.model !== spec.name || link.column === undefined) return {};
  const [own, other] = [`${spec.module}_id`, link.column];
  const join = (column: string) => `${spec.name}.id == ${link.table}.c.${column}`;
  const joins = { primaryjoin: join(reverse ? other : own), secondaryjoin: join(reverse ? own : other) };
  // Eager loading stops where the model is already on the loading path, unless join_depth allows more: the
  // linked rows load for a row loaded through another relationship too (a post embedded in a comment).
  return reverse ? joins : { ...joins, join_depth: 2 };
}

/** More than one foreign key from `source` to `target`'s table: each relationship must name its own. */
function ambiguous(source: ModelSpec, target: ModelSpec): boolean {
  return (
    source.fields.filter((f) => f.ref === target.name || f.fk?.split('.')[0] === target.table).length > 1
  );
}

/** A relationship attribute; it never lazy-loads, since an async session cannot: it raises, or loads eagerly. */
function relationshipLine(name: string, annotation: string, options: RelationshipOptions, orm: Orm): string {
  const extra: [string, string][] = [];
  if (options.foreign_keys) extra.push(['foreign_keys', `"${options.foreign_keys}"`]);
  if (options.remote_side) extra.push(['remote_side', `"${options.remote_side}"`]);
  if (options.uselist === false) extra.push(['uselist', 'False']);
  if (options.secondary) extra.push(['secondary', `"${options.secondary}"`]);
  if (options.primaryjoin) extra.push(['primaryjoin', `"${options.primaryjoin}"`]);
  if (options.secondaryjoin) extra.push(['secondaryjoin', `"${options.secondaryjoin}"`]);
  if (options.join_depth !== undefined) extra.push(['join_depth', String(options.join_depth)]);
  extra.push(['lazy', `"${options.lazy ?? 'raise'}"`]);
  const args = [`back_populates="${options.back_populates}"`];
  if (options.passive_deletes) args.push('passive_deletes=True');
  if (orm === 'sqlalchemy') {
    args.push(...extra.map(([key, value]) => `${key}=${value}`));
    return pyCall('    ', `${name}: Mapped[${annotation}] = relationship`, args);
  }
  const entries = extra.map(([key, value]) => `"${key}": ${value}`);
  const kwargs = `sa_relationship_kwargs={${entries.join(', ')}}`;
  // ruff format splits a dict that does not fit in its line, one entry per line.
  args.push(
    kwargs.length + 9 <= LINE_LENGTH
      ? kwargs
      : `sa_relationship_kwargs={\n${entries.map((e) => `            ${e},`).join('\n')}\n        }`,
  );
  return pyCall('    ', `${name}: ${annotation} = Relationship`, args);
}

/** Models this one names in relationship annotations, imported under TYPE_CHECKING. */
export function relatedModels(spec: ModelSpec, specs: ReadonlyMap<string, ModelSpec>): ModelSpec[] {
  const names = new Set([
    ...spec.fields.flatMap((f) => (f.ref ? [f.ref] : [])),
    ...spec.backrefs.map((b) => b.model),
    ...(spec.links ?? []).map((l) => l.model),
  ]);
  names.delete(spec.name);
  return [...names].sort().map((name) => specs.get(name)!);
}
