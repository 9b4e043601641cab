/**
 * From a ModelSpec to the Python of a REST resource (forge:crud): the pydantic schema lines, the conflict
 * messages of the router, and the sample values and helpers of its generated tests. Lines that depend on names
 * are wrapped like `ruff format` wraps them, so the files are format-clean as rendered.
 */
import {
  DEFAULT_PRECISION,
  DEFAULT_SCALE,
  DEFAULT_STRING_LENGTH,
  parseDefault,
  type FieldSpec,
  type OnDelete,
} from './fields.js';
import { importedPythonType, Imports, LINE_LENGTH, lengthAndDigits, pyCall } from './render.js';
import type { Orm } from './config.js';
import { linkIds, type ModelSpec } from './spec.js';

/**
 * The API type of each field type, mostly the constrained types of the generated app/schemas/types.py (no NUL in
 * strings, integers within the column's range and never a string, finite numbers, datetimes that carry a time
 * zone...), so that a value the API accepts is one every database stores and one its JSON Schema allows.
 * Decimals are `Annotated[Decimal, Digits(precision, scale)]`.
 */
const SCHEMA_TYPES: Record<Exclude<FieldSpec['type'], 'decimal'>, [module: string, name: string]> = {
  str: ['app.schemas.types', 'Text'],
  text: ['app.schemas.types', 'LongText'],
  int: ['app.schemas.types', 'Int32'],
  bigint: ['app.schemas.types', 'Int64'],
  float: ['app.schemas.types', 'FiniteFloat'],
  bool: ['pydantic', 'StrictBool'],
  date: ['app.schemas.types', 'Date'],
  datetime: ['app.schemas.types', 'Timestamp'],
  time: ['app.schemas.types', 'TimeOfDay'],
  uuid: ['app.schemas.types', 'Uuid'],
  json: ['app.schemas.types', 'JSONObject'],
};

/** The pydantic type of a field in the API, with its import added to `imports`. */
function schemaType(field: FieldSpec, imports: Imports): string {
  if (field.type === 'decimal') {
    imports.add('typing', 'Annotated').add('decimal', 'Decimal').add('app.schemas.types', 'Digits');
    return `Annotated[Decimal, Digits(${field.precision ?? DEFAULT_PRECISION}, ${field.scale ?? DEFAULT_SCALE})]`;
  }
  const [module, name] = SCHEMA_TYPES[field.type];
  imports.add(module, name);
  return name;
}

/** `name: type = value` or `name: type = Field(...)`, wrapped as ruff format does. */
function annotated(name: string, type: string, args: string[], imports: Imports): string {
  const defaultOnly = args.length === 1 && args[0]!.startsWith('default=');
  if (args.length === 0) return `    ${name}: ${type}`;
  if (defaultOnly) return `    ${name}: ${type} = ${args[0]!.slice('default='.length)}`;
  imports.add('pydantic', 'Field');
  return pyCall('    ', `${name}: ${type} = Field`, args);
}

/**
 * `name: type | nullable = None`, wrapped as ruff format does when too long: the value in parentheses when the rest
 * fits, else the annotation, then split at `|`.
 */
function optionalLine(name: string, type: string, nullable: string): string {
  const line = `    ${name}: ${type} | ${nullable} = None`;
  if (line.length <= LINE_LENGTH) return line;
  // ruff format splits the value first when the rest of the line fits.
  const head = `    ${name}: ${type} | ${nullable} = (`;
  if (head.length <= LINE_LENGTH) return `${head}\n        None\n    )`;
  const inner = `        ${type} | ${nullable}`;
  const body = inner.length <= LINE_LENGTH ? inner : `        ${type}\n        | ${nullable}`;
  return `    ${name}: (\n${body}\n    ) = None`;
}

export interface SchemaLines {
  /** Fields of <Name>Base: what Create accepts and Read returns. */
  base: string[];
  /** Fields only Create has: the ids of each many-to-many link's rows. */
  create: string[];
  /** Fields of <Name>Update: every one optional. */
  update: string[];
  /** Fields only Read has: the owner, which the API sets, and the ids of each link's rows. */
  read: string[];
  /** <Name>Query: the list's sort, search and filters. */
  query: QueryLines;
  imports: string;
}

/** The field lines of the schema family, with the imports they need. The owner is in Read only. */
export function schemaLines(spec: ModelSpec, owner?: string, embeds: Embed[] = []): SchemaLines {
  const imports = new Imports().add('pydantic', 'BaseModel', 'ConfigDict');
  if (spec.timestamps) imports.add('datetime', 'datetime');
  const base: string[] = [];
  const update: string[] = [];
  const read: string[] = [];
  for (const field of spec.fields) {
    if (field.name === owner) {
      read.push(`    ${field.name}: int${field.optional ? ' | None' : ''}`);
      continue;
    }
    const type = schemaType(field, imports);
    // A decimal's digits are in its type (Digits); a string's length is a Field argument.
    const args = field.type === 'str' ? lengthAndDigits(field) : [];
    if (field.optional) {
      base.push(annotated(field.name, `${type} | None`, ['default=None', ...args], imports));
    } else if (field.default !== undefined) {
      const value = parseDefault(field).python;
      if (value === 'utc_now' || value === 'uuid4') {
        imports.add(value === 'utc_now' ? 'app.core.database' : 'uuid', value);
        base.push(annotated(field.name, type, [`default_factory=${value}`, ...args], imports));
      } else {
        if (value.startsWith('Decimal(')) imports.add('decimal', 'Decimal');
        base.push(annotated(field.name, type, [`default=${value}`, ...args], imports));
      }
    } else {
      base.push(annotated(field.name, type, args, imports));
    }
    // A required field may be left out of an update but not set to null (PartialUpdate refuses it).
    // Constraints go inside the type: pydantic cannot apply them to a union with SkipJsonSchema[None].
    const constrained = args.length > 0 ? `Annotated[${type}, Field(${args.join(', ')})]` : type;
    if (args.length > 0) imports.add('typing', 'Annotated').add('pydantic', 'Field');
    update.push(optionalLine(field.name, constrained, field.optional ? 'None' : 'SkipJsonSchema[None]'));
  }
  // A many-to-many link: the ids of the linked rows, sent in full (an update replaces the set).
  const create: string[] = [];
  for (const link of spec.links ?? []) {
    const ids = linkIds(link);
    imports.add('app.schemas.types', 'Int32', 'MAX_LINKS').add('typing', 'Annotated');
    const description = `description="Ids of the ${link.model} rows to link"`;
    create.push(
      annotated(ids, 'list[Int32]', ['default_factory=list', 'max_length=MAX_LINKS', description], imports),
    );
    update.push(
      optionalLine(ids, 'Annotated[list[Int32], Field(max_length=MAX_LINKS)]', 'SkipJsonSchema[None]'),
    );
    read.push(`    ${ids}: list[int]`);
  }
  imports.add('app.schemas.types', 'PartialUpdate');
  if (spec.fields.some((field) => !field.optional && field.name !== owner) || create.length > 0) {
    imports.add('pydantic.json_schema', 'SkipJsonSchema');
  }
  const query = queryLines(spec, imports, embeds);
  for (const embed of embeds) {
    if (embed.module !== null) imports.add(embed.module, embed.type);
  }
  if (embeds.length > 0) imports.add('app.schemas.listing', 'ListItem');
  return { base, create, update, read, query, imports: imports.render() };
}

/** Whether `source`'s schemas would import `target`'s: it references or links to it. */
function refersTo(source: ModelSpec, target: ModelSpec): boolean {
  return (
    source.fields.some((f) => f.ref === target.name) ||
    (source.links ?? []).some((l) => l.model === target.name)
  );
}

/** Parameters of every list query: a field of the same name filters with `<name>__eq` instead. */
const LIST_PARAMETERS = new Set(['skip', 'limit', 'cursor', 'sort', 'q']);

/** A reference a list can include (`include=author`): its relationship and the schema it embeds. */
export interface Embed {
  relation: string;
  /** The embedded schema, e.g. UserPublic or PostRead. */
  type: string;
  /** Its module; null for the resource's own Read (a reference to the model itself). */
  module: string | null;
  /** A many-to-many link: a list of rows. */
  many?: boolean;
}

/**
 * The references of a resource a list can include: those to users (their public part) and to models with REST
 * endpoints (their Read schema), but not one whose model references this one back (the two schema modules would
 * import each other), nor a --private one (its rows would show through the rows of other users that reference them).
 */
export function embedsOf(
  spec: ModelSpec,
  specs: ReadonlyMap<string, ModelSpec>,
  urls: ReadonlyMap<string, string>,
  privateResources: ReadonlySet<string> = new Set(),
): Embed[] {
  const embeds: Embed[] = [];
  for (const field of spec.fields) {
    const target = field.ref === undefined ? undefined : specs.get(field.ref);
    if (field.relation === undefined || target === undefined || privateResources.has(target.name)) continue;
    if (target.name === 'User') {
      embeds.push({ relation: field.relation, type: 'UserPublic', module: 'app.schemas.user' });
    } else if (target.name === spec.name) {
      embeds.push({ relation: field.relation, type: `${spec.name}Read`, module: null });
    } else if (urls.has(target.name) && !refersTo(target, spec)) {
      embeds.push({
        relation: field.relation,
        type: `${target.name}Read`,
        module: `app.schemas.${target.module}`,
      });
    }
  }
  for (const link of spec.links ?? []) {
    const target = specs.get(link.model);
    if (target === undefined || privateResources.has(target.name) || !urls.has(target.name)) continue;
    if (refersTo(target, spec)) continue;
    const module = target.name === 'User' ? 'app.schemas.user' : `app.schemas.${target.module}`;
    const type = target.name === 'User' ? 'UserPublic' : `${target.name}Read`;
    embeds.push({ relation: link.name, type, module, many: true });
  }
  return embeds;
}

export interface QueryLines {
  /** `"name": type` entries of SORTABLE: the fields a list sorts by, with their values' type. */
  sortable: string[];
  /** The str and text fields that `q` searches. */
  searchable: string[];
  /** `SEARCHABLE = (...)` of those fields. */
  searchableLine: string;
  /** The filter parameters, one line each. */
  filters: string[];
  /** Each filter parameter with the field it filters. */
  parameters: [parameter: string, field: string][];
}

/**
 * The list query of a resource (<Name>Query): the fields it sorts by (not text or json), those `q` searches, and
 * the filters of each field: equals for every scalar, `__gte`/`__lte` for what has an order, `__in` for str, int
 * and uuid, `__icontains` for str and text, `__isnull` for optional fields; `__gte`/`__lte` on the timestamps.
 * Query strings carry text, so the types read numbers from it (app/schemas/listing.py), within the same bounds.
 */
export function queryLines(spec: ModelSpec, imports: Imports, embeds: Embed[] = []): QueryLines {
  const sortable = ['"id": int'];
  const filters: string[] = [];
  const parameters: [string, string][] = [];
  const filter = (field: string, operator: string, type: string) => {
    const name = operator ? `${field}__${operator}` : LIST_PARAMETERS.has(field) ? `${field}__eq` : field;
    filters.push(optionalLine(name, type, 'None'));
    parameters.push([name, field]);
  };
  for (const field of spec.fields) {
    if (field.type === 'json') continue;
    const python = importedPythonType(field, imports);
    if (field.type !== 'text') sortable.push(`"${field.name}": ${python}${field.optional ? ' | None' : ''}`);
    const type = queryType(field, imports);
    filter(field.name, '', type);
    const reference = field.ref !== undefined || field.fk !== undefined;
    if (
      !reference &&
      ['int', 'bigint', 'float', 'decimal', 'date', 'datetime', 'time'].includes(field.type)
    ) {
      filter(field.name, 'gte', type);
      filter(field.name, 'lte', type);
    }
    if (['str', 'int', 'bigint', 'uuid'].includes(field.type)) {
      imports.add('typing', 'Annotated').add('app.schemas.listing', 'AnyOf', 'CommaSeparated');
      filter(field.name, 'in', `Annotated[list[${type}], CommaSeparated, AnyOf]`);
    }
    if (field.type === 'str' || field.type === 'text') filter(field.name, 'icontains', type);
    if (field.optional) filter(field.name, 'isnull', 'bool');
  }
  if (spec.timestamps) {
    imports.add('datetime', 'datetime').add('app.schemas.types', 'Timestamp');
    for (const name of ['created_at', 'updated_at']) {
      sortable.push(`"${name}": datetime`);
      filter(name, 'gte', 'Timestamp');
      filter(name, 'lte', 'Timestamp');
    }
  }
  const searchable = spec.fields.filter((f) => f.type === 'str' || f.type === 'text').map((f) => f.name);
  if (searchable.length > 0) imports.add('pydantic', 'Field').add('app.schemas.types', 'Text');
  if (embeds.length > 0) {
    const names = embeds.map((embed) => `"${embed.relation}"`).join(', ');
    imports.add('typing', 'Annotated', 'Literal').add('app.schemas.listing', 'AnyOf', 'CommaSeparated');
    filters.push(
      optionalLine('include', `Annotated[list[Literal[${names}]], CommaSeparated, AnyOf]`, 'None'),
    );
  }
  imports.add('typing', 'Any', 'ClassVar').add('app.schemas.listing', 'ListQuery', 'sort_by');
  // A tuple of one needs its comma.
  const names = searchable.map((name) => `"${name}"`);
  if (names.length === 1) names[0] += ',';
  const searchableLine = pyCall('    ', 'SEARCHABLE: ClassVar[tuple[str, ...]] = ', names);
  return { sortable, searchable, searchableLine, filters, parameters };
}

/** The type of a filter's value, read from a query string. */
function queryType(field: FieldSpec, imports: Imports): string {
  switch (field.type) {
    case 'int':
    case 'bigint': {
      const name = field.type === 'int' ? 'QueryInt32' : 'QueryInt64';
      imports.add('app.schemas.listing', name);
      return name;
    }
    case 'float':
      imports.add('app.schemas.listing', 'QueryFloat');
      return 'QueryFloat';
    case 'decimal':
      imports.add('typing', 'Annotated').add('decimal', 'Decimal').add('app.schemas.listing', 'DecimalBound');
      return `Annotated[Decimal, DecimalBound(${field.precision ?? DEFAULT_PRECISION}, ${field.scale ?? DEFAULT_SCALE})]`;
    case 'bool':
      return 'bool';
    case 'text':
      imports.add('app.schemas.types', 'Text');
      return 'Text';
    default:
      return schemaType(field, imports);
  }
}

/** The model and column a foreign-key field points at. */
export function referenceOf(
  field: FieldSpec,
  specs: ReadonlyMap<string, ModelSpec>,
): { model: ModelSpec; column: string } | undefined {
  if (field.ref !== undefined) {
    const model = specs.get(field.ref);
    return model && { model, column: 'id' };
  }
  if (field.fk !== undefined) {
    const [table, column = 'id'] = field.fk.split('.');
    const model = [...specs.values()].find((s) => s.table === table);
    return model && { model, column };
  }
  return undefined;
}

/** Python values for sample rows: valid for the column, distinct per row (`n`) when the field is unique. */
function sampleValue(field: FieldSpec, imports: Imports): { value: string; usesN: boolean } {
  const unique = field.unique === true;
  switch (field.type) {
    case 'str': {
      const max = field.max ?? DEFAULT_STRING_LENGTH;
      const word = field.name.replace(/_/g, '-');
      if (!unique) return { value: JSON.stringify(word.slice(0, max)), usesN: false };
      return { value: `f"${word.slice(0, Math.max(0, max - 4))}{n}"`, usesN: true };
    }
    case 'text':
      return { value: `"Some ${field.name.replace(/_/g, ' ')}"`, usesN: false };
    case 'int':
    case 'bigint':
      return unique ? { value: 'n', usesN: true } : { value: '7', usesN: false };
    case 'float':
      return unique ? { value: 'n + 0.5', usesN: true } : { value: '1.5', usesN: false };
    case 'decimal':
      imports.add('decimal', 'Decimal');
      return unique ? { value: 'Decimal(n)', usesN: true } : { value: 'Decimal("1")', usesN: false };
    case 'bool':
      return { value: 'True', usesN: false };
    case 'date':
      imports.add('datetime', 'date');
      if (!unique) return { value: 'date(2024, 1, 2)', usesN: false };
      imports.add('datetime', 'timedelta');
      return { value: 'date(2024, 1, 1) + timedelta(days=n)', usesN: true };
    case 'datetime':
      imports.add('datetime', 'UTC', 'datetime');
      if (!unique) return { value: 'datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)', usesN: false };
      imports.add('datetime', 'timedelta');
      return { value: 'datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=n)', usesN: true };
    case 'time':
      imports.add('datetime', 'time');
      return unique ? { value: 'time(12, n % 60)', usesN: true } : { value: 'time(12, 30)', usesN: false };
    case 'uuid':
      imports.add('uuid', 'uuid4');
      return { value: 'uuid4()', usesN: false };
    case 'json':
      return { value: '{"key": "value"}', usesN: false };
  }
}

/**
 * Values that no column of the field's type can store, as Python literals with what is wrong with them: the API
 * refuses each with a 422 on every database.
 */
function refusedValues(field: FieldSpec): [value: string, why: string][] {
  switch (field.type) {
    case 'str':
      return [
        [`"x" * ${(field.max ?? DEFAULT_STRING_LENGTH) + 1}`, 'too long'],
        ['"a\\x00b"', 'a NUL character'],
      ];
    case 'text':
      return [
        ['"a\\x00b"', 'a NUL character'],
        ['"é" * 40_000', 'over 64 KiB of UTF-8'],
      ];
    case 'int':
      return [
        ['2**31', 'out of range'],
        ['"7"', 'a string'],
      ];
    case 'bigint':
      return [
        ['2**63', 'out of range'],
        ['True', 'a boolean'],
      ];
    case 'float':
      return [['"1.5"', 'a string']];
    case 'decimal': {
      const scale = field.scale ?? DEFAULT_SCALE;
      const whole = (field.precision ?? DEFAULT_PRECISION) - scale;
      return [
        [JSON.stringify('9'.repeat(whole + 1)), 'too many digits'],
        [JSON.stringify(`0.${'1'.repeat(scale + 1)}`), 'too many decimal places'],
        ['"1e3"', 'an exponent'],
      ];
    }
    case 'bool':
      return [
        ['1', 'a number'],
        ['"true"', 'a string'],
      ];
    case 'date':
      return [
        ['"2024-13-01"', 'no such date'],
        ['20240101', 'a number'],
        ['"20240101"', 'a number in a string'],
      ];
    case 'datetime':
      return [
        ['"2024-01-02T03:04:05"', 'no time zone'],
        ['"0001-01-01T00:30:00+01:00"', 'before year 1 in UTC'],
        ['"1700000000.5"', 'a Unix timestamp'],
      ];
    case 'time':
      return [
        ['"25:00"', 'no such time'],
        ['"3600"', 'a number of seconds'],
      ];
    case 'uuid':
      return [['"not-a-uuid"', 'not a UUID']];
    case 'json':
      return [
        ['[1, 2]', 'not an object'],
        ['{"key\\x00": 1}', 'a NUL character in a key'],
      ];
  }
}

/** A function that inserts one row of a model the resource depends on, through the ORM. */
export interface DependencyHelper {
  name: string;
  model: ModelSpec;
  /** `field=value` arguments of the model's constructor. */
  args: string[];
  usesN: boolean;
}

export interface TestPlan {
  imports: string;
  /** Helpers inserting the referenced rows, dependencies first. */
  helpers: DependencyHelper[];
  /** Emit id_of(row) -> int (SQLModel's primary keys are typed `int | None`). */
  idOf: boolean;
  /** `"field": value` entries of the payload. */
  payload: string[];
  payloadUsesN: boolean;
  usesSequence: boolean;
  /** Tests need the session fixture (to insert referenced rows). */
  needsSession: boolean;
  /** A field whose change the update test checks, with its new JSON value. */
  patch?: { name: string; value: string };
  /** A unique field: posting the same payload twice is a 409. */
  unique?: string;
  /** A foreign-key field: a value referencing nothing is a 409. */
  foreignKey?: string;
  /** Required fields: an empty body is a 422, and null in an update is a 422. */
  required: string[];
  /** The first field, sent with a value of the wrong type for a 422. */
  first?: string;
  /** How the create test compares each field sent with the value the API returns. */
  checks: { name: string; kind: 'exact' | 'decimal' | 'datetime' | 'time' }[];
  /**
   * Values sent in another form than the database stores them in (digits short of the scale, an offset, a
   * fraction of a second), as JSON literals: create and update answer what a read returns.
   */
  restated: [name: string, value: string][];
  /** Values no column of the field's type stores, each a 422: [field, Python literal, description]. */
  refused: [string, string, string][];
  /** A float or decimal field: NaN and infinities are a 422. */
  number?: string;
  /** A decimal field: strings keep their digits or are refused, JSON numbers are rounded to `rounded`. */
  decimal?: { name: string; rounded: string };
  /** References to another resource's rows by id: what deleting the referenced row does. */
  references: ReferenceTest[];
  /** The field holding each row's owner, which the API fills from the signed-in user. */
  owner: string | undefined;
  /** The list's filter parameters, each with the field it filters. */
  filters: [parameter: string, field: string][];
  /** A field that `q` searches. */
  searched: string | undefined;
  /** The fields the list sorts by, other than id. */
  sorts: string[];
  /** The references a list can include, as [relationship, foreign-key field]. */
  includes: [relation: string, field: string][];
  /** The many-to-many links, written through their ids. */
  links: LinkTest[];
  /** Queries an include adds: one per many-to-many link of the included rows (loaded with them). */
  includeQueries: number;
}

/** A many-to-many link of the resource, as its tests write and read it. */
export interface LinkTest {
  /** The relationship, e.g. `tags`. */
  name: string;
  /** Its ids in the API, e.g. `tag_ids`. */
  ids: string;
  /** Python expression inserting a linked row and giving its id. */
  value: string;
  /** The linked model's table, named in the 409 detail. */
  table: string;
  /** The linked model's class, whose rows a test deletes. */
  model: string;
  /** A list can include the linked rows (`include=tags`). */
  embedded: boolean;
  /** A link to the resource's own model: its rows are created through the API. */
  self: boolean;
}

/** A reference to the id of a row that an endpoint of the API deletes. */
export interface ReferenceTest {
  field: string;
  /** Python expression inserting the referenced row and giving its id. */
  value: string;
  /** The referenced resource's URL, e.g. /api/v1/users. */
  url: string;
  /** The referenced model's table (the resource's name in the 409 detail). */
  table: string;
  ondelete: OnDelete | undefined;
}

export interface TestOptions {
  orm: Orm;
  /** The endpoints need a signed-in user: the module's client carries a user's token. */
  signedIn: boolean;
  /** The URL of each model that has REST endpoints (the users and every forge:crud resource). */
  urls: ReadonlyMap<string, string>;
  /** The field holding each row's owner (forge:crud --owner): the API sets it, the payload leaves it out. */
  owner?: string | undefined;
  /** The references a list can include (relationship names). */
  includes?: string[];
  /** The many-to-many links a list can include (relationship names). */
  linkIncludes?: string[];
  /** The list query of the resource, as schemaLines wrote it. */
  query: QueryLines;
}

/** The values and helpers of tests/api/test_<table>.py. */
export function testPlan(
  spec: ModelSpec,
  specs: ReadonlyMap<string, ModelSpec>,
  options: TestOptions,
): TestPlan {
  const { orm, urls } = options;
  // The owner is the signed-in user: the client never sends it, so no test sends or checks it as input.
  const fields = spec.fields.filter((f) => f.name !== options.owner);
  const imports = new Imports().add('typing', 'Any').add('httpx', 'AsyncClient');
  const helpers = new Map<string, DependencyHelper>();
  let idOf = false;
  const valueOf = (field: FieldSpec, visiting: Set<string>): { value: string; usesN: boolean } => {
    const target = referenceOf(field, specs);
    if (target !== undefined && !visiting.has(target.model.name)) {
      helperFor(target.model, visiting);
      const row = `await insert_${target.model.module}(session)`;
      // SQLModel types the primary key `int | None`: id_of() asserts it is set.
      if (orm === 'sqlmodel' && target.column === 'id') {
        idOf = true;
        return { value: `id_of(${row})`, usesN: false };
      }
      return { value: `(${row}).${target.column}`, usesN: false };
    }
    return sampleValue(field, imports);
  };
  const helperFor = (model: ModelSpec, visiting: Set<string>): void => {
    if (helpers.has(model.name)) return;
    const inner = new Set([...visiting, model.name]);
    const values = model.fields
      .filter((f) => !f.optional && f.default === undefined)
      .map((f) => ({ name: f.name, ...valueOf(f, inner) }));
    imports.add(`app.models.${model.module}`, model.name);
    helpers.set(model.name, {
      name: `insert_${model.module}`,
      model,
      args: values.map((v) => `${v.name}=${v.value}`),
      usesN: values.some((v) => v.usesN),
    });
  };
  // Every field (defaults included, so unique ones differ per row), but an optional reference to the model
  // itself, which a first row has nothing to point at.
  const payloadValues = fields
    .filter((f) => !(f.optional && referenceOf(f, specs)?.model.name === spec.name))
    .map((f) => ({ name: f.name, ...valueOf(f, new Set([spec.name])) }));
  const links = (spec.links ?? []).map((link): LinkTest => {
    // Inserted like the row a reference to the linked model points at; the resource's own rows by its API.
    const self = link.model === spec.name;
    const reference: FieldSpec = { name: linkIds(link), type: 'int', ref: link.model };
    return {
      name: link.name,
      ids: linkIds(link),
      self,
      value: self ? '' : valueOf(reference, new Set([spec.name])).value,
      table: specs.get(link.model)!.table,
      model: link.model,
      embedded: (options.linkIncludes ?? []).includes(link.name),
    };
  });
  if (links.length > 0) {
    imports.add('sqlalchemy', 'delete').add('app.schemas.types', 'MAX_LINKS');
    if (orm === 'sqlmodel') imports.add('sqlmodel', 'col');
  }
  const references: ReferenceTest[] = [];
  for (const field of fields) {
    const target = referenceOf(field, specs);
    const url = target && urls.get(target.model.name);
    if (target === undefined || url === undefined || target.column !== 'id') continue;
    if (target.model.name === spec.name) continue;
    const { value } = valueOf(field, new Set([spec.name]));
    references.push({ field: field.name, value, url, table: spec.table, ondelete: field.ondelete });
  }
  if (helpers.size > 0) imports.add('sqlalchemy.ext.asyncio', 'AsyncSession');
  imports.add('fastapi.encoders', 'jsonable_encoder');
  const payloadUsesN = payloadValues.some((v) => v.usesN);
  const usesSequence = payloadUsesN || [...helpers.values()].some((h) => h.usesN);
  if (usesSequence) imports.add('itertools', 'count');
  const plain = fields.filter((f) => f.fk === undefined && f.ref === undefined);
  const patchField =
    plain.find((f) => f.type === 'str' || f.type === 'text') ??
    plain.find((f) => f.type === 'int' || f.type === 'bigint' || f.type === 'bool');
  let patch: TestPlan['patch'];
  if (patchField?.type === 'str' || patchField?.type === 'text') {
    const max = patchField.max ?? (patchField.type === 'str' ? DEFAULT_STRING_LENGTH : 100);
    patch = { name: patchField.name, value: JSON.stringify('changed'.slice(0, Math.max(1, max))) };
  } else if (patchField?.type === 'bool') patch = { name: patchField.name, value: 'False' };
  else if (patchField !== undefined) patch = { name: patchField.name, value: '42' };
  const checks = payloadValues.map(({ name }) => {
    const type = spec.fields.find((f) => f.name === name)!.type;
    const kind = type === 'decimal' || type === 'datetime' || type === 'time' ? type : 'exact';
    return { name, kind } as const;
  });
  const restated = payloadValues.flatMap(({ name }): [string, string][] => {
    const field = spec.fields.find((f) => f.name === name)!;
    if (field.unique) return [];
    const scale = field.scale ?? DEFAULT_SCALE;
    if (field.type === 'decimal' && scale > 0 && (field.precision ?? DEFAULT_PRECISION) > scale) {
      return [[name, '"1.5"']];
    }
    if (field.type === 'time') return [[name, '"12:30:01.75+02:00"']];
    if (field.type === 'datetime') return [[name, '"2024-01-02T03:04:05.123456+05:00"']];
    return [];
  });
  for (const { kind } of checks) {
    if (kind === 'decimal') imports.add('decimal', 'Decimal');
    else if (kind === 'datetime') imports.add('datetime', 'datetime');
    else if (kind === 'time') imports.add('datetime', 'UTC', 'time');
  }
  const refused = fields.flatMap((field) =>
    refusedValues(field).map(([value, why]): [string, string, string] => [field.name, value, why]),
  );
  if (refused.length > 0) imports.module('pytest');
  // The update test checks that updated_at moved forward.
  if (spec.timestamps && patch !== undefined) imports.add('datetime', 'datetime');
  const decimalField = fields.find((f) => f.type === 'decimal');
  const scale = decimalField?.scale ?? DEFAULT_SCALE;
  // What 1 / 3, sent as a JSON number, is once rounded to the column's scale.
  const decimal = decimalField && {
    name: decimalField.name,
    rounded: scale ? `0.${'3'.repeat(scale)}` : '0',
  };
  if (decimal !== undefined) imports.add('decimal', 'Decimal');
  const number = fields.find((f) => f.type === 'float' || f.type === 'decimal')?.name;
  if (number !== undefined) imports.module('json');
  // The module overrides the client fixture with one that carries a user's token.
  if (options.signedIn) imports.module('pytest');
  const { query } = options;
  if (query.parameters.length > 0) imports.module('json').module('pytest');
  if ((options.includes ?? []).length > 0) {
    imports.add('sqlalchemy', 'event').add('app.core.database', 'db_manager');
  }
  if (patch !== undefined) {
    // An update racing a delete: a concurrent session deletes the row that the request read.
    imports
      .module('pytest')
      .add('sqlalchemy.ext.asyncio', 'AsyncSession')
      .add('app.core.database', 'db_manager')
      .add(`app.crud.${spec.module}`, `${spec.module}_crud`)
      .add(`app.models.${spec.module}`, spec.name);
  }
  return {
    imports: imports.render(),
    helpers: [...helpers.values()],
    idOf,
    payload: payloadValues.map((v) => `"${v.name}": ${v.value}`),
    payloadUsesN,
    usesSequence,
    needsSession: helpers.size > 0,
    patch,
    unique: fields.find((f) => f.unique)?.name,
    foreignKey: fields.find((f) => f.fk !== undefined || f.ref !== undefined)?.name,
    required: fields.filter((f) => !f.optional && f.default === undefined).map((f) => f.name),
    first: fields[0]?.name,
    checks,
    restated,
    refused,
    number,
    decimal,
    references,
    owner: options.owner,
    filters: query.parameters,
    searched: query.searchable[0],
    sorts: query.sortable.slice(1).map((entry) => entry.split('"')[1]!),
    links,
    includeQueries: (options.includes ?? [])
      .map((relation) => spec.fields.find((f) => f.relation === relation)!)
      .reduce((sum, field) => sum + (specs.get(field.ref!)?.links?.length ?? 0), 0),
    includes: (options.includes ?? []).map((relation) => [
      relation,
      spec.fields.find((f) => f.relation === relation)!.name,
    ]),
  };
}
