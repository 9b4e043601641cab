/**
 * A model's fields after day one: changed in place (`--change`), renamed (`--rename old:new`) and removed
 * (`--remove name`). Each run writes one migration; its downgrade restores the previous definition. Every
 * operation goes through Alembic's batch mode, so SQLite rebuilds the table while PostgreSQL and MySQL alter it.
 */
import type Generator from 'yeoman-generator';
import type { Database, ForgeConfig } from './config.js';
import {
  fillsExistingRows,
  hasServerDefault,
  parseDefault,
  type FieldSpec,
  type FieldType,
} from './fields.js';
import { newMigration } from './migrations.js';
import { constraints, modelTemplate, nestedCall } from './models.js';
import {
  fieldViews,
  Imports,
  migrationColumnArgs,
  migrationServerDefault,
  migrationType,
  pyCall,
  pyString,
  type FieldView,
} from './render.js';
import type { ModelSpec } from './spec.js';

export type FieldChange =
  | { kind: 'change'; before: FieldSpec; after: FieldSpec }
  | { kind: 'rename'; before: FieldSpec; after: FieldSpec }
  | { kind: 'remove'; before: FieldSpec };

const NUMERIC: ReadonlySet<FieldType> = new Set(['int', 'bigint', 'float', 'decimal']);
const TEXT: ReadonlySet<FieldType> = new Set(['str', 'text']);
/** Types whose values every database writes as text the same way they are read back. */
const TO_TEXT: ReadonlySet<FieldType> = new Set([...NUMERIC, ...TEXT, 'date', 'time', 'uuid']);

/** Why a field cannot change from `before` to `after` in place; undefined when it can. */
export function changeError(model: string, before: FieldSpec, after: FieldSpec): string | undefined {
  const name = before.relation ?? before.name;
  const reference = (field: FieldSpec) => [field.ref, field.fk, field.relation, field.one === true].join();
  if (reference(before) !== reference(after)) {
    return `Field "${name}" of ${model}: what it references cannot change in place; remove it (--remove ${name}) and add the new reference.`;
  }
  if (before.type === after.type) return undefined;
  if (
    (NUMERIC.has(before.type) && NUMERIC.has(after.type)) ||
    (TEXT.has(after.type) && TO_TEXT.has(before.type))
  ) {
    return before.fk !== undefined || before.ref !== undefined
      ? `Field "${name}" of ${model} is a foreign key: its type cannot change.`
      : undefined;
  }
  return `Field "${name}" of ${model}: the databases cannot convert ${before.type} to ${after.type} in place. Add a new field, copy the values over in a migration of your own, then remove this one (--remove ${name}).`;
}

/** PostgreSQL's name of a column type, for `USING column::type`. */
function postgresType(field: FieldSpec): string {
  switch (field.type) {
    case 'str':
      return `varchar(${field.max ?? 255})`;
    case 'decimal':
      return `numeric(${field.precision ?? 12}, ${field.scale ?? 2})`;
    case 'float':
      return 'double precision';
    case 'int':
      return 'integer';
    default:
      return field.type;
  }
}

/**
 * The SQL a restored column (the downgrade of a removal) gets in the rows that existed when it was dropped: its
 * values are gone, so a value derived from the row's id where it must be unique, a neutral one elsewhere.
 */
function placeholder(field: FieldSpec, database: Database): string {
  switch (field.type) {
    case 'str':
    case 'text':
      return database === 'mysql' ? 'CAST(id AS CHAR)' : 'CAST(id AS TEXT)';
    case 'int':
    case 'bigint':
    case 'float':
    case 'decimal':
      return 'id';
    case 'bool':
      return database === 'postgresql' ? 'false' : '0';
    case 'date':
      return "'1970-01-01'";
    case 'time':
      return "'00:00:00'";
    case 'datetime':
      return "'1970-01-01 00:00:00'";
    case 'uuid':
      return {
        postgresql: 'CAST(md5(CAST(id AS TEXT)) AS uuid)',
        mysql: "LPAD(HEX(id), 32, '0')",
        sqlite: "printf('%032x', id)",
      }[database];
    case 'json':
      return "'{}'";
  }
}

/** The value rows holding NULL get when a field with a default becomes required, as a SQLAlchemy expression. */
function defaultValue(field: FieldSpec): string {
  const raw = field.default!;
  if (field.type === 'str') return `sa.literal(${pyString(raw)})`;
  if (field.type === 'bool') return raw === 'true' ? 'sa.true()' : 'sa.false()';
  return `sa.literal_column("${parseDefault(field).python.replace(/^Decimal\("(.*)"\)$/, '$1')}")`;
}

/**
 * Statements in the order they must run: checks and fills on columns as they are (1), a batch that drops
 * constraints and alters, renames, drops or adds columns (2), fills of restored columns (3), and a batch that
 * creates constraints and makes restored columns NOT NULL (4). Constraints on a renamed column are created in
 * a batch of their own: Alembic's SQLite batch cannot index a column renamed in the same batch.
 */
type Phase = 1 | 2 | 3 | 4;
const BATCH_PHASES: ReadonlySet<Phase> = new Set([2, 4]);

interface Step {
  phase: Phase;
  lines: string[];
}

const BATCH = '        ';
const TOP = '    ';

class MigrationPlan {
  readonly upgrade: Step[] = [];
  readonly downgrade: Step[] = [];
  requireValues = false;
  fillNulls = false;

  constructor(
    readonly table: string,
    readonly database: Database,
    readonly view: (field: FieldSpec) => FieldView,
  ) {}

  /** Drop a field's foreign key, unique constraint and index (MySQL's own index for the foreign key too). */
  drops(field: FieldSpec): string[] {
    const view = this.view(field);
    // The foreign key first: MySQL refuses to drop an index a foreign key needs.
    const [fk = [], ...rest] = this.byKind(constraints(this.table, [view], true).downgrade);
    if (this.database === 'mysql' && view.fk && !view.index && !view.unique) {
      fk.push(`${BATCH}batch_op.drop_index("fk_${this.table}_${view.name}_${view.fk.table}")`);
    }
    return [...fk, ...rest.flat()];
  }

  /** Create a field's index and unique constraint, then its foreign key, which MySQL then bases on them. */
  creates(field: FieldSpec): string[] {
    const [fk = [], ...rest] = this.byKind(constraints(this.table, [this.view(field)], true).upgrade);
    return [...rest.flat().reverse(), ...fk];
  }

  /** Constraint operations grouped: foreign key, unique constraint, index. */
  byKind(lines: string[]): string[][] {
    const kinds = [/create_foreign_key|"foreignkey"/, /create_unique_constraint|"unique"/, /_index\(/];
    return kinds.map((kind) => lines.filter((line) => kind.test(line)));
  }

  /** Make `field` required: fill its NULLs with its default, or refuse while rows hold NULL. */
  tighten(field: FieldSpec): Step {
    if (hasServerDefault(field)) {
      this.fillNulls = true;
      const args = [`"${this.table}"`, `"${field.name}"`, defaultValue(field)];
      return { phase: 1, lines: [pyCall(TOP, '_fill_nulls', args)] };
    }
    this.requireValues = true;
    return { phase: 1, lines: [`${TOP}_require_values("${this.table}", "${field.name}")`] };
  }

  alter(from: FieldSpec, to: FieldSpec): string {
    const args = [`"${from.name}"`];
    if (to.name !== from.name) args.push(`new_column_name="${to.name}"`);
    const fromType = migrationType(from, this.database);
    const toType = migrationType(to, this.database);
    args.push(`existing_type=${fromType}`);
    if (toType !== fromType) {
      args.push(`type_=${toType}`);
      if (this.database === 'postgresql') args.push(`postgresql_using="${from.name}::${postgresType(to)}"`);
    }
    args.push(`existing_nullable=${from.optional ? 'True' : 'False'}`);
    if (Boolean(from.optional) !== Boolean(to.optional))
      args.push(`nullable=${to.optional ? 'True' : 'False'}`);
    const fromDefault = migrationServerDefault(from);
    const toDefault = migrationServerDefault(to);
    if (fromDefault !== undefined) args.push(`existing_server_default=${fromDefault}`);
    if (toDefault !== fromDefault) args.push(`server_default=${toDefault ?? 'None'}`);
    return pyCall(BATCH, 'batch_op.alter_column', args);
  }

  /** `from` becomes `to` (same column, or renamed): the steps, or none when only Python-side details differ. */
  transform(from: FieldSpec, to: FieldSpec): Step[] {
    const a = this.view(from);
    const b = this.view(to);
    const typeChanged = migrationType(from, this.database) !== migrationType(to, this.database);
    const nullChanged = Boolean(from.optional) !== Boolean(to.optional);
    const defaultChanged = migrationServerDefault(from) !== migrationServerDefault(to);
    const constraintsChanged =
      JSON.stringify([a.fk, a.unique, a.index]) !== JSON.stringify([b.fk, b.unique, b.index]);
    const renamed = from.name !== to.name;
    if (!typeChanged && !nullChanged && !defaultChanged && !constraintsChanged && !renamed) return [];
    // Constraints are named after the column, and a foreign key's column can only change without it.
    const recreate = renamed || constraintsChanged || (a.fk !== undefined && (typeChanged || nullChanged));
    const steps: Step[] = [];
    if (nullChanged && !to.optional) steps.push(this.tighten({ ...to, name: from.name }));
    steps.push({ phase: 2, lines: [...(recreate ? this.drops(from) : []), this.alter(from, to)] });
    if (recreate) steps.push({ phase: 4, lines: this.creates(to) });
    return steps;
  }

  /** Steps that add `field` back to a table that has rows. */
  restore(field: FieldSpec): Step[] {
    const full = nestedCall(
      BATCH,
      'batch_op.add_column',
      'sa.Column',
      migrationColumnArgs(field, this.database),
    );
    if (fillsExistingRows(field)) {
      return [
        { phase: 2, lines: [full] },
        { phase: 4, lines: this.creates(field) },
      ];
    }
    const nullable = { ...field, optional: true };
    const add = nestedCall(
      BATCH,
      'batch_op.add_column',
      'sa.Column',
      migrationColumnArgs(nullable, this.database),
    );
    let fill: Step;
    if (field.ref !== undefined || field.fk !== undefined) {
      // A reference cannot be made up: restoring it needs rows with no value to fill.
      this.requireValues = true;
      fill = { phase: 3, lines: [`${TOP}_require_values("${this.table}", "${field.name}")`] };
    } else {
      this.fillNulls = true;
      fill = {
        phase: 3,
        lines: [
          pyCall(TOP, '_fill_nulls', [
            `"${this.table}"`,
            `"${field.name}"`,
            `sa.literal_column(${pyString(placeholder(field, this.database))})`,
          ]),
        ],
      };
    }
    return [
      { phase: 2, lines: [add] },
      fill,
      { phase: 4, lines: [this.alter(nullable, field), ...this.creates(field)] },
    ];
  }

  add(change: FieldChange): void {
    switch (change.kind) {
      case 'change':
      case 'rename':
        this.upgrade.push(...this.transform(change.before, change.after));
        this.downgrade.unshift(...this.transform(change.after, change.before));
        break;
      case 'remove':
        this.upgrade.push({
          phase: 2,
          lines: [...this.drops(change.before), `${BATCH}batch_op.drop_column("${change.before.name}")`],
        });
        this.downgrade.unshift(...this.restore(change.before));
        break;
    }
  }

  /** The function body, phase by phase; each batch phase is one `with` block. */
  render(steps: Step[]): string {
    const phases = ([1, 2, 3, 4] as const)
      .map((phase) => ({ phase, lines: steps.filter((s) => s.phase === phase).flatMap((s) => s.lines) }))
      .filter((block) => block.lines.length > 0);
    return phases
      .map(({ phase, lines }) =>
        BATCH_PHASES.has(phase)
          ? [`    with op.batch_alter_table("${this.table}") as batch_op:`, ...lines].join('\n')
          : lines.join('\n'),
      )
      .join('\n');
  }
}

/** What a run's changes do, for the migration's message: "rename title to headline in posts". */
function describe(changes: FieldChange[], table: string): string {
  const parts = (['rename', 'change', 'remove'] as const).flatMap((kind) => {
    const names = changes
      .filter((change) => change.kind === kind)
      .map((change) =>
        change.kind === 'rename' ? `${change.before.name} to ${change.after.name}` : change.before.name,
      );
    return names.length > 0 ? [`${kind} ${names.join(', ')}`] : [];
  });
  return `${parts.join('; ')} in ${table}`;
}

/**
 * Write the migration for `changes` to the model `spec` (as it is before them). Returns its file name, or
 * undefined when nothing changes in the database (a default computed in Python, for instance).
 */
export function writeChangeMigration(
  generator: Generator,
  spec: ModelSpec,
  specs: ReadonlyMap<string, ModelSpec>,
  config: ForgeConfig,
  changes: FieldChange[],
): string | undefined {
  const view = (field: FieldSpec) =>
    fieldViews({ ...spec, fields: [field] }, specs, config, new Imports())[0]!;
  const plan = new MigrationPlan(spec.table, config.database, view);
  for (const change of changes) plan.add(change);
  if (plan.upgrade.length === 0) return undefined;
  const message = describe(changes, spec.table);
  const migration = newMigration(generator, message);
  const upgrade = plan.render(plan.upgrade);
  const downgrade = plan.render(plan.downgrade);
  const removed = changes.filter((c) => c.kind === 'remove').map((c) => c.before.name);
  generator.fs.copyTpl(
    modelTemplate(generator, 'alembic/versions/alter_table.py'),
    generator.destinationPath(`alembic/versions/${migration.fileName}`),
    {
      ...migration,
      message,
      table: spec.table,
      removed,
      needsMysql: `${upgrade}\n${downgrade}`.includes('mysql.'),
      requireValues: plan.requireValues,
      fillNulls: plan.fillNulls,
      upgrade,
      downgrade,
    },
  );
  return migration.fileName;
}
