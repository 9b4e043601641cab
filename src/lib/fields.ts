/**
 * The field DSL of `yo forge:model` and `yo forge:crud`: `name:type[:modifier]...`, parsed and validated into
 * FieldSpec objects, and the one type table that says what each type becomes in a model and in a migration.
 */
import { PYTHON_KEYWORDS } from './names.js';
import { SQL_RESERVED_WORDS } from './sql.js';

export const FIELD_TYPES = [
  'str',
  'text',
  'int',
  'bigint',
  'float',
  'decimal',
  'bool',
  'date',
  'datetime',
  'time',
  'uuid',
  'json',
] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export const ON_DELETE = ['cascade', 'set-null', 'restrict'] as const;
export type OnDelete = (typeof ON_DELETE)[number];

export interface FieldSpec {
  /** Column name (for a reference: the foreign-key column, e.g. author_id). */
  name: string;
  type: FieldType;
  /** String length (str only). */
  max?: number;
  /** Numeric precision and scale (decimal only). */
  precision?: number;
  scale?: number;
  unique?: boolean;
  index?: boolean;
  optional?: boolean;
  /** The default as typed in the DSL; normalized per type (see `parseDefault`). */
  default?: string;
  /** Plain foreign key `table.column`. */
  fk?: string;
  /** Many-to-one reference to another model; the relationship attribute is `relation`. */
  ref?: string;
  /** `one=Model`: the reference is unique, a one-to-one relationship (a single object on both sides). */
  one?: boolean;
  relation?: string;
  ondelete?: OnDelete;
}

export class FieldError extends Error {}

export const DEFAULT_STRING_LENGTH = 255;
export const DEFAULT_PRECISION = 12;
export const DEFAULT_SCALE = 2;

/** What each type is in Python and in SQLAlchemy, and what it turns into per database (for the README/help). */
export const TYPE_TABLE: Record<FieldType, { python: string; sqlalchemy: string; note: string }> = {
  str: { python: 'str', sqlalchemy: 'String(max)', note: 'VARCHAR(max), max defaults to 255' },
  text: { python: 'str', sqlalchemy: 'Text', note: 'TEXT' },
  int: { python: 'int', sqlalchemy: 'Integer', note: 'INTEGER' },
  bigint: { python: 'int', sqlalchemy: 'BigInteger', note: 'BIGINT' },
  float: { python: 'float', sqlalchemy: 'Double', note: 'DOUBLE PRECISION / DOUBLE / REAL (64-bit)' },
  decimal: {
    python: 'Decimal',
    sqlalchemy: 'Numeric(12, 2)',
    note: 'NUMERIC; precision= / scale= modifiers',
  },
  bool: { python: 'bool', sqlalchemy: 'Boolean', note: 'BOOLEAN (TINYINT(1) on MySQL, INTEGER on SQLite)' },
  date: { python: 'date', sqlalchemy: 'Date', note: 'DATE' },
  datetime: {
    python: 'datetime (aware)',
    sqlalchemy: 'UTCDateTime',
    note: 'TIMESTAMPTZ on PostgreSQL, DATETIME(6) in UTC on MySQL, DATETIME in UTC on SQLite',
  },
  time: { python: 'time', sqlalchemy: 'Time', note: 'TIME' },
  uuid: { python: 'UUID', sqlalchemy: 'Uuid', note: 'UUID on PostgreSQL, CHAR(32) on MySQL and SQLite' },
  json: {
    python: 'dict[str, Any]',
    sqlalchemy: 'JSON',
    note: 'JSON on PostgreSQL and MySQL, TEXT on SQLite',
  },
};

/** What `default=` takes per type, for messages and questions; a type without an entry takes no default. */
export const DEFAULT_FORMS: Partial<Record<FieldType, string>> = {
  str: 'text',
  int: 'an integer',
  bigint: 'an integer',
  float: 'a number such as 1.5',
  decimal: 'a decimal such as 9.99',
  bool: 'true or false',
  datetime: '"now" (the current time, timezone-aware)',
  uuid: '"random" (a new uuid4 per row)',
};

/** Types whose default can also be a server default, so a new required column can fill existing rows. */
export const SERVER_DEFAULT_TYPES: ReadonlySet<FieldType> = new Set([
  'str',
  'int',
  'bigint',
  'float',
  'decimal',
  'bool',
]);

const TIMESTAMP_FIELDS = new Set(['created_at', 'updated_at']);
/** Attribute names that SQLAlchemy, SQLModel or pydantic reserve on a model class. */
const RESERVED_ATTRIBUTES = new Set([
  'metadata',
  'registry',
  'query',
  'fields',
  // pydantic BaseModel methods, which a schema field of the same name would shadow.
  'construct',
  'copy',
  'dict',
  'from_orm',
  'json',
  'parse_file',
  'parse_obj',
  'parse_raw',
  'schema',
  'schema_json',
  'update_forward_refs',
  'validate',
]);

/** The reasons a field or table name cannot be used; undefined when it can. */
export function columnNameError(name: string, what = 'Field'): string | undefined {
  if (!/^[a-z][a-z0-9_]*$/.test(name)) {
    return `${what} name "${name}" must be snake_case: a lowercase letter, then lowercase letters, digits or "_".`;
  }
  if (name.length > 60) return `${what} name "${name}" is longer than 60 characters.`;
  if (PYTHON_KEYWORDS.has(name)) return `${what} name "${name}" is a Python keyword.`;
  if (SQL_RESERVED_WORDS.has(name)) {
    return `${what} name "${name}" is a reserved SQL word on PostgreSQL, MySQL or SQLite; choose another name.`;
  }
  return undefined;
}

export function fieldNameError(name: string): string | undefined {
  if (name === 'id') return 'Field name "id" is taken: every model has an integer primary key "id".';
  if (TIMESTAMP_FIELDS.has(name)) {
    return `Field name "${name}" is taken by the timestamps (use --no-timestamps to define your own).`;
  }
  if (RESERVED_ATTRIBUTES.has(name) || name.startsWith('model_') || name.startsWith('_')) {
    return `Field name "${name}" is reserved by SQLAlchemy, SQLModel or pydantic.`;
  }
  return columnNameError(name);
}

/** The modifiers of a scalar field that the interactive flow offers (a reference brings ref, one and ondelete). */
export const MODIFIERS = [
  'optional',
  'unique',
  'index',
  'max',
  'precision',
  'scale',
  'default',
  'fk',
] as const;
export type Modifier = (typeof MODIFIERS)[number];

/** A value to try each modifier with: it applies to a type when validateField accepts the type with it. */
const MODIFIER_PROBES: Record<Exclude<Modifier, 'default'>, Partial<FieldSpec>> = {
  optional: { optional: true },
  unique: { unique: true },
  index: { index: true },
  max: { max: DEFAULT_STRING_LENGTH },
  precision: { precision: DEFAULT_PRECISION },
  scale: { scale: DEFAULT_SCALE },
  fk: { fk: 'users.id' },
};

/** The modifiers that apply to `type`, as validateField and DEFAULT_FORMS decide: the rules stay in one place. */
export function modifiersFor(type: FieldType): Modifier[] {
  return MODIFIERS.filter((modifier) => {
    if (modifier === 'default') return DEFAULT_FORMS[type] !== undefined;
    try {
      validateField({ name: 'probe', type, ...MODIFIER_PROBES[modifier] });
      return true;
    } catch {
      return false;
    }
  });
}

/** The field's default is also a server default (the database fills rows with it). */
export const hasServerDefault = (field: FieldSpec): boolean =>
  field.default !== undefined && SERVER_DEFAULT_TYPES.has(field.type);

/** A field, added to a model that has rows, gives them a value: it is optional or has a server default. */
export const fillsExistingRows = (field: FieldSpec): boolean =>
  field.optional === true || hasServerDefault(field);

function positiveInteger(value: string, label: string, field: string): number {
  if (!/^[1-9][0-9]{0,4}$/.test(value))
    throw new FieldError(`Field "${field}": ${label} must be a positive integer, got "${value}".`);
  return Number(value);
}

/** Parse one `name:type[:modifier]...` spec. References (`ref=Model`) may omit the type (int). */
export function parseField(spec: string): FieldSpec {
  const [rawName = '', ...parts] = spec.split(':');
  const name = rawName.trim();
  if (name === '') throw new FieldError(`Field spec "${spec}" has no name; expected name:type[:modifier]...`);
  let type: FieldType | undefined;
  const field: Partial<FieldSpec> & { name: string } = { name };
  parts.forEach((part, index) => {
    if (index === 0 && (FIELD_TYPES as readonly string[]).includes(part)) {
      type = part as FieldType;
      return;
    }
    if (index === 0 && !part.includes('=') && !['unique', 'index', 'optional'].includes(part)) {
      throw new FieldError(`Field "${name}": unknown type "${part}"; types are ${FIELD_TYPES.join(', ')}.`);
    }
    const [key = '', ...rest] = part.split('=');
    const value = rest.join('=');
    switch (key) {
      case 'unique':
      case 'index':
      case 'optional':
        if (rest.length > 0) throw new FieldError(`Field "${name}": modifier "${key}" takes no value.`);
        field[key] = true;
        break;
      case 'max':
        field.max = positiveInteger(value, 'max', name);
        break;
      case 'precision':
        field.precision = positiveInteger(value, 'precision', name);
        break;
      case 'scale':
        field.scale = /^[0-9]{1,2}$/.test(value) ? Number(value) : positiveInteger(value, 'scale', name);
        break;
      case 'default':
        if (rest.length === 0)
          throw new FieldError(`Field "${name}": default needs a value (default=VALUE).`);
        field.default = value;
        break;
      case 'fk':
        if (!/^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/.test(value)) {
          throw new FieldError(`Field "${name}": fk must be table.column, got "${value}".`);
        }
        field.fk = value;
        break;
      case 'ref':
      case 'one':
        if (!/^[A-Za-z][A-Za-z0-9]*$/.test(value))
          throw new FieldError(`Field "${name}": ${key} must name a model, got "${value}".`);
        if (field.ref !== undefined) throw new FieldError(`Field "${name}": use ref or one, not both.`);
        field.ref = value;
        if (key === 'one') {
          field.one = true;
          field.unique = true;
        }
        break;
      case 'ondelete':
        if (!(ON_DELETE as readonly string[]).includes(value)) {
          throw new FieldError(
            `Field "${name}": ondelete must be one of ${ON_DELETE.join(', ')}, got "${value}".`,
          );
        }
        field.ondelete = value as OnDelete;
        break;
      default:
        throw new FieldError(
          `Field "${name}": unknown modifier "${part}"; modifiers are max=N, unique, index, optional, default=VALUE, fk=table.column, ref=Model, one=Model, ondelete=${ON_DELETE.join('|')}, precision=N, scale=N.`,
        );
    }
  });
  if (field.ref !== undefined) {
    // author:ref=User and author_id:int:ref=User both give the column author_id and the attribute author.
    field.relation = name.endsWith('_id') ? name.slice(0, -3) : name;
    field.name = `${field.relation}_id`;
    field.index = true;
    type ??= 'int';
  }
  if (type === undefined)
    throw new FieldError(
      `Field "${name}" has no type; expected ${name}:TYPE with TYPE one of ${FIELD_TYPES.join(', ')}.`,
    );
  return validateField({ ...field, type });
}

/** Checks that need the whole field: names, modifiers that fit the type, the default's value. */
export function validateField(field: FieldSpec): FieldSpec {
  const nameError = fieldNameError(field.name);
  if (nameError !== undefined) throw new FieldError(nameError);
  if (field.relation !== undefined) {
    const relationError = fieldNameError(field.relation);
    if (relationError !== undefined)
      throw new FieldError(relationError.replace('Field name', 'Relationship name'));
  }
  const { type, name } = field;
  if (field.max !== undefined && type !== 'str')
    throw new FieldError(`Field "${name}": max applies to str fields only, not ${type}.`);
  if ((field.precision !== undefined || field.scale !== undefined) && type !== 'decimal') {
    throw new FieldError(`Field "${name}": precision and scale apply to decimal fields only, not ${type}.`);
  }
  if (type === 'decimal' && (field.scale ?? DEFAULT_SCALE) > (field.precision ?? DEFAULT_PRECISION)) {
    throw new FieldError(`Field "${name}": scale cannot exceed precision.`);
  }
  if (field.fk !== undefined && field.ref !== undefined)
    throw new FieldError(`Field "${name}": use fk or ref, not both.`);
  if ((field.fk !== undefined || field.ref !== undefined) && !['int', 'bigint'].includes(type)) {
    throw new FieldError(
      `Field "${name}": a foreign key must be int or bigint (primary keys are integers), not ${type}.`,
    );
  }
  if (field.ondelete !== undefined && field.fk === undefined && field.ref === undefined) {
    throw new FieldError(`Field "${name}": ondelete applies to fk or ref fields only.`);
  }
  if (field.ondelete === 'set-null' && field.optional !== true) {
    throw new FieldError(`Field "${name}": ondelete=set-null needs the field to be optional.`);
  }
  if (['text', 'json'].includes(type) && (field.unique || field.index)) {
    throw new FieldError(
      `Field "${name}": ${type} columns cannot be unique or indexed on MySQL; use str with max=N.`,
    );
  }
  if (field.default !== undefined) parseDefault(field);
  return field;
}

/** A default as a Python expression (and its SQL server default when the type has one). */
export interface DefaultValue {
  python: string;
  /** The server default as a SQLAlchemy expression in a model (`sa.` is replaced in migrations). */
  server?: string;
}

/** Validate and render a field's default; errors name the field and the accepted form. */
export function parseDefault(field: FieldSpec): DefaultValue {
  const raw = field.default!;
  const fail = (expected: string): never => {
    throw new FieldError(
      `Field "${field.name}": default "${raw}" is not a valid ${field.type}; expected ${expected}.`,
    );
  };
  switch (field.type) {
    case 'str':
      if (raw.length > (field.max ?? DEFAULT_STRING_LENGTH))
        fail(`at most ${field.max ?? DEFAULT_STRING_LENGTH} characters`);
      return { python: JSON.stringify(raw), server: JSON.stringify(raw) };
    case 'int':
    case 'bigint':
      if (!/^-?(0|[1-9][0-9]{0,17})$/.test(raw)) fail(DEFAULT_FORMS.int!);
      return { python: raw, server: `text("${raw}")` };
    case 'float':
      if (!/^-?[0-9]+(\.[0-9]+)?$/.test(raw)) fail(DEFAULT_FORMS.float!);
      return { python: raw.includes('.') ? raw : `${raw}.0`, server: `text("${raw}")` };
    case 'decimal': {
      const scale = field.scale ?? DEFAULT_SCALE;
      const digits = (field.precision ?? DEFAULT_PRECISION) - scale;
      const match = /^-?([0-9]+)(?:\.([0-9]+))?$/.exec(raw);
      if (!match || match[1]!.replace(/^0+(?=.)/, '').length > digits || (match[2] ?? '').length > scale) {
        fail(`a decimal with at most ${digits} digits before and ${scale} after the point`);
      }
      return { python: `Decimal("${raw}")`, server: `text("${raw}")` };
    }
    case 'bool':
      if (raw !== 'true' && raw !== 'false') fail(DEFAULT_FORMS.bool!);
      return { python: raw === 'true' ? 'True' : 'False', server: raw === 'true' ? 'true()' : 'false()' };
    case 'datetime':
      if (raw !== 'now') fail(DEFAULT_FORMS.datetime!);
      return { python: 'utc_now' };
    case 'uuid':
      if (raw !== 'random') fail(DEFAULT_FORMS.uuid!);
      return { python: 'uuid4' };
    default:
      throw new FieldError(
        `Field "${field.name}": default= is not supported for ${field.type} fields; use optional, or set the value in code.`,
      );
  }
}

/** Parse every spec and check names across fields (duplicates, a relation named like a column). */
export function parseFields(specs: readonly string[]): FieldSpec[] {
  const fields = specs.map(parseField);
  const seen = new Set<string>();
  for (const field of fields) {
    for (const name of [field.name, field.relation].filter((n): n is string => n !== undefined)) {
      if (seen.has(name)) throw new FieldError(`Field "${name}" is defined twice.`);
      seen.add(name);
    }
  }
  return fields;
}

/** Two fields are the same definition (a re-run that changes nothing). */
export function sameField(a: FieldSpec, b: FieldSpec): boolean {
  const normalize = (field: FieldSpec) =>
    JSON.stringify(
      Object.entries(field)
        .filter(([, value]) => value !== undefined && value !== false)
        .sort(),
    );
  return normalize(a) === normalize(b);
}
