/**
 * From a ModelSpec to the Python of a REST resource (forge:crud): the pydantic schema lines, the conflict
 * messages of the router, and the sample values and helpers of its generated tests. Lines that depend on names
 * are wrapped like `ruff format` wraps them, so the files are format-clean as rendered.
 */
import { DEFAULT_STRING_LENGTH, parseDefault, type FieldSpec } from './fields.js';
import { importedPythonType, Imports, lengthAndDigits, pyCall } from './render.js';
import type { Orm } from './config.js';
import type { ModelSpec } from './spec.js';

const LINE_LENGTH = 100;

/** Integer bounds of the columns, so an out-of-range number is a 422, not a database error. */
const INTEGER_BOUNDS: Partial<Record<FieldSpec['type'], [string, string]>> = {
  int: ['-2_147_483_648', '2_147_483_647'],
  bigint: ['-9_223_372_036_854_775_808', '9_223_372_036_854_775_807'],
};

/** The pydantic type of a field in the API (datetimes must carry a time zone: UTCDateTime refuses naive ones). */
function schemaType(field: FieldSpec, imports: Imports): string {
  if (field.type !== 'datetime') return importedPythonType(field, imports);
  imports.add('pydantic', 'AwareDatetime');
  return 'AwareDatetime';
}

/** `Field(...)` arguments that validate what the column can store. */
function constraints(field: FieldSpec): string[] {
  const bounds = INTEGER_BOUNDS[field.type];
  return bounds ? [`ge=${bounds[0]}`, `le=${bounds[1]}`] : lengthAndDigits(field);
}

/** `name: type = value` or `name: type = Field(...)`, wrapped as ruff format does. */
function annotated(name: string, type: string, args: string[], imports: Imports): string {
  const defaultOnly = args.length === 1 && args[0]!.startsWith('default=');
  if (args.length === 0) return `    ${name}: ${type}`;
  if (defaultOnly) return `    ${name}: ${type} = ${args[0]!.slice('default='.length)}`;
  imports.add('pydantic', 'Field');
  return pyCall('    ', `${name}: ${type} = Field`, args);
}

export interface SchemaLines {
  /** Fields of <Name>Base: what Create accepts and Read returns. */
  base: string[];
  /** Fields of <Name>Update: every one optional. */
  update: string[];
  /** Fields that may be left out of an update but not set to null. */
  notNull: string[];
  imports: string;
}

/** The field lines of the schema family, with the imports they need. */
export function schemaLines(spec: ModelSpec): SchemaLines {
  const imports = new Imports().add('pydantic', 'BaseModel', 'ConfigDict');
  if (spec.timestamps) imports.add('datetime', 'datetime');
  const base: string[] = [];
  const update: string[] = [];
  const notNull: string[] = [];
  for (const field of spec.fields) {
    const type = schemaType(field, imports);
    const args = constraints(field);
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
    if (!field.optional) notNull.push(field.name);
    update.push(annotated(field.name, `${type} | None`, ['default=None', ...args], imports));
  }
  if (notNull.length > 0) imports.add('pydantic', 'field_validator');
  return { base, update, notNull, imports: imports.render() };
}

/** `NAME = "text"`, or the text split into implicitly concatenated literals inside parentheses. */
export function stringConstant(name: string, text: string): string {
  const line = `${name} = ${JSON.stringify(text)}`;
  if (line.length <= LINE_LENGTH) return line;
  const chunks: string[] = [];
  let current = '';
  for (const word of text.split(' ')) {
    const next = current === '' ? word : `${current} ${word}`;
    if (JSON.stringify(`${next} `).length + 4 > LINE_LENGTH && current !== '') {
      chunks.push(`${current} `);
      current = word;
    } else current = next;
  }
  chunks.push(current);
  return `${name} = (\n${chunks.map((chunk) => `    ${JSON.stringify(chunk)}`).join('\n')}\n)`;
}

/** What a 409 on create or update means for this model, naming its unique and foreign-key fields. */
export function conflictDetail(spec: ModelSpec): string {
  const unique = spec.fields.filter((f) => f.unique).map((f) => f.name);
  const keys = spec.fields.filter((f) => f.fk !== undefined || f.ref !== undefined).map((f) => f.name);
  const reasons = [
    ...(unique.length > 0 ? [`${unique.join(' or ')} is already taken`] : []),
    ...(keys.length > 0 ? [`${keys.join(' or ')} references a row that does not exist`] : []),
  ];
  return reasons.length > 0
    ? `${spec.name} violates a unique or foreign-key constraint: ${reasons.join(', or ')}`
    : `${spec.name} violates a database constraint`;
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
  /** A str field with its max length, for a too-long 422. */
  tooLong?: { name: string; max: number };
}

/** The values and helpers of tests/api/test_<table>.py. */
export function testPlan(
  spec: ModelSpec,
  specs: ReadonlyMap<string, ModelSpec>,
  orm: Orm,
  signedIn = false,
): TestPlan {
  const imports = new Imports().add('typing', 'Any').add('httpx', 'AsyncClient');
  // The module overrides the client fixture with one that carries a user's token.
  if (signedIn) imports.module('pytest');
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
  // Every required field (defaults included, so unique ones differ per row); optional ones stay null.
  const payloadValues = spec.fields
    .filter((f) => !f.optional)
    .map((f) => ({ name: f.name, ...valueOf(f, new Set([spec.name])) }));
  if (helpers.size > 0) imports.add('sqlalchemy.ext.asyncio', 'AsyncSession');
  imports.add('fastapi.encoders', 'jsonable_encoder');
  const payloadUsesN = payloadValues.some((v) => v.usesN);
  const usesSequence = payloadUsesN || [...helpers.values()].some((h) => h.usesN);
  if (usesSequence) imports.add('itertools', 'count');
  const plain = spec.fields.filter((f) => f.fk === undefined && f.ref === undefined);
  const patchField =
    plain.find((f) => f.type === 'str' || f.type === 'text') ??
    plain.find((f) => f.type === 'int' || f.type === 'bigint' || f.type === 'bool');
  let patch: TestPlan['patch'];
  if (patchField?.type === 'str' || patchField?.type === 'text') {
    const max = patchField.max ?? (patchField.type === 'str' ? DEFAULT_STRING_LENGTH : 100);
    patch = { name: patchField.name, value: JSON.stringify('changed'.slice(0, Math.max(1, max))) };
  } else if (patchField?.type === 'bool') patch = { name: patchField.name, value: 'False' };
  else if (patchField !== undefined) patch = { name: patchField.name, value: '42' };
  const tooLong = spec.fields.find((f) => f.type === 'str');
  return {
    imports: imports.render(),
    helpers: [...helpers.values()],
    idOf,
    payload: payloadValues.map((v) => `"${v.name}": ${v.value}`),
    payloadUsesN,
    usesSequence,
    needsSession: helpers.size > 0,
    patch,
    unique: spec.fields.find((f) => f.unique)?.name,
    foreignKey: spec.fields.find((f) => f.fk !== undefined || f.ref !== undefined)?.name,
    required: spec.fields.filter((f) => !f.optional && f.default === undefined).map((f) => f.name),
    first: spec.fields[0]?.name,
    tooLong: tooLong && { name: tooLong.name, max: tooLong.max ?? DEFAULT_STRING_LENGTH },
  };
}
