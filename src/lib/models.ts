/**
 * Writing models: the spec JSON, the model file rendered from it, its line in the registry and its migration.
 * Used by forge:model and by forge:database (for the users model), so every model goes through one path.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ejs from 'ejs';
import type Generator from 'yeoman-generator';
import { ownFile } from './commit.js';
import type { ForgeConfig } from './config.js';
import { parseFields, type FieldSpec } from './fields.js';
import { BUILTIN_MODELS } from './builtin-models.js';
import { listFiles, templatesOf } from './files.js';
import { newMigration } from './migrations.js';
import { insertAtNeedle, NEEDLES, removeLines } from './python.js';
import {
  fieldViews,
  Imports,
  LINE_LENGTH,
  pyCall,
  relatedModels,
  relationshipLines,
  timestampType,
  type FieldView,
} from './render.js';
import { linkIds, specPath, SPEC_DIR, type Link, type ModelSpec } from './spec.js';

/** Templates shared by every generator that writes models live with forge:model. */
export function modelTemplate(generator: Generator, path: string): string {
  return join(templatesOf(generator, 'model'), `${path}.ejs`);
}

/** Every stored spec of the project, by model name (in-memory writes of this run included). */
export function loadSpecs(generator: Generator): Map<string, ModelSpec> {
  const specs = new Map<string, ModelSpec>();
  for (const path of listFiles(generator, generator.destinationPath(SPEC_DIR)).filter((p) =>
    p.endsWith('.json'),
  )) {
    const spec = generator.fs.readJSON(path) as unknown as ModelSpec;
    specs.set(spec.name, spec);
  }
  return specs;
}

export function saveSpec(generator: Generator, spec: ModelSpec): void {
  const path = generator.destinationPath(specPath(spec.name));
  generator.fs.writeJSON(path, spec, undefined, 2);
  ownFile(generator, path);
}

/** The text of app/models/<module>.py for a spec. */
function modelFileContent(
  generator: Generator,
  spec: ModelSpec,
  specs: ReadonlyMap<string, ModelSpec>,
  config: ForgeConfig,
): string {
  const imports = new Imports();
  const sqlalchemy = config.orm === 'sqlalchemy';
  if (sqlalchemy) {
    imports.add('sqlalchemy.orm', 'Mapped', 'mapped_column');
    imports.add('app.core.database', 'Base');
  } else {
    imports.add('sqlmodel', 'Field');
    if (!spec.timestamps) imports.add('sqlmodel', 'SQLModel');
  }
  if (spec.timestamps) imports.add('app.core.database', 'TimestampMixin');
  const fields = fieldViews(spec, specs, config, imports);
  const relationships = relationshipLines(spec, specs, config.orm, imports);
  const links = linkTables(spec, specs, imports);
  const bases = sqlalchemy
    ? spec.timestamps
      ? 'TimestampMixin, Base'
      : 'Base'
    : spec.timestamps
      ? 'TimestampMixin, table=True'
      : 'SQLModel, table=True';
  const template = modelTemplate(generator, `app/models/model.${config.orm}.py`);
  return ejs.render(readFileSync(template, 'utf8'), {
    spec,
    bases,
    imports: imports.render(),
    typeCheckingImports: relatedModels(spec, specs).map(
      (m) => `    from app.models.${m.module} import ${m.name}`,
    ),
    fieldLines: fields.map((f) => f.modelLine),
    relationshipLines: relationships,
    linkTables: links,
    linkProperties: (spec.links ?? []).map((link) => linkProperty(spec, link, config.orm)),
  });
}

/** `tag_ids`: the ids of a link's rows, which the API reads and returns. */
function linkProperty(spec: ModelSpec, link: Link, orm: ForgeConfig['orm']): string {
  // SQLModel types the primary key `int | None`; a loaded row always has it.
  const ids = `row.id for row in self.${link.name}${orm === 'sqlmodel' ? ' if row.id is not None' : ''}`;
  const named = `        """The ids of the rows in ${link.name} (loaded with every ${spec.name}), sorted."""`;
  return [
    '    @property',
    `    def ${linkIds(link)}(self) -> list[int]:`,
    named.length <= LINE_LENGTH
      ? named
      : '        """The ids of the linked rows (loaded with every row), sorted."""',
    `        return sorted(${ids})`,
  ].join('\n');
}

/** The two columns of a link's association table: this model's id, then the linked model's. */
export function linkColumns(spec: ModelSpec, link: Link, specs: ReadonlyMap<string, ModelSpec>) {
  const target = specs.get(link.model)!;
  return [
    { name: `${spec.module}_id`, table: spec.table },
    { name: link.column ?? `${target.module}_id`, table: target.table },
  ];
}

/** The association tables of the model's many-to-many links, defined next to it. */
function linkTables(spec: ModelSpec, specs: ReadonlyMap<string, ModelSpec>, imports: Imports): string[] {
  const links = spec.links ?? [];
  if (links.length > 0) {
    imports.add('sqlalchemy', 'Column', 'ForeignKey', 'Integer', 'Table');
    imports.add('app.core.database.base', 'metadata');
  }
  return links.map((link) => {
    const [own, other] = linkColumns(spec, link, specs);
    const column = (c: { name: string; table: string }, index: boolean) =>
      pyCall(
        '    ',
        'Column',
        [
          `"${c.name}"`,
          'Integer',
          `ForeignKey("${c.table}.id", ondelete="CASCADE")`,
          'primary_key=True',
          ...(index ? ['index=True'] : []),
        ],
        ',',
      );
    return [
      `# The many-to-many link of ${spec.name}.${link.name} and ${link.model}: one row per linked pair.`,
      `${link.table} = Table(`,
      `    "${link.table}",`,
      '    metadata,',
      column(own!, false),
      column(other!, true),
      ')',
    ].join('\n');
  });
}

/** Write the migration that creates a link's association table (or, `drop`, drops it); its downgrade undoes it. */
export function writeLinkMigration(
  generator: Generator,
  spec: ModelSpec,
  link: Link,
  specs: ReadonlyMap<string, ModelSpec>,
  drop = false,
): string {
  const [own, other] = linkColumns(spec, link, specs);
  const message = `${drop ? 'drop' : 'create'} ${link.table} table`;
  const migration = newMigration(generator, message);
  const fk = (c: { name: string; table: string }) =>
    pyCall(
      '        ',
      'sa.ForeignKeyConstraint',
      [
        `["${c.name}"]`,
        `["${c.table}.id"]`,
        `name=op.f("fk_${link.table}_${c.name}_${c.table}")`,
        'ondelete="CASCADE"',
      ],
      ',',
    );
  generator.fs.copyTpl(
    modelTemplate(generator, 'alembic/versions/link_table.py'),
    generator.destinationPath(`alembic/versions/${migration.fileName}`),
    {
      ...migration,
      message,
      drop,
      table: link.table,
      columns: [own!, other!].map((c) => `        sa.Column("${c.name}", sa.Integer(), nullable=False),`),
      constraints: [
        fk(own!),
        fk(other!),
        pyCall(
          '        ',
          'sa.PrimaryKeyConstraint',
          [`"${own!.name}"`, `"${other!.name}"`, `name=op.f("pk_${link.table}")`],
          ',',
        ),
      ],
      index: pyCall('    ', 'op.create_index', [
        `op.f("ix_${link.table}_${other!.name}")`,
        `"${link.table}"`,
        `["${other!.name}"]`,
        'unique=False',
      ]),
    },
  );
  return migration.fileName;
}

/** The model file on disk differs from what forge rendered from `previous`: somebody edited it. */
export function isModelFileEdited(
  generator: Generator,
  previous: ModelSpec,
  specs: ReadonlyMap<string, ModelSpec>,
  config: ForgeConfig,
): boolean {
  const path = generator.destinationPath(`app/models/${previous.module}.py`);
  return (
    existsSync(path) && readFileSync(path, 'utf8') !== modelFileContent(generator, previous, specs, config)
  );
}

/**
 * Render app/models/<module>.py from its spec. With `previous` (the spec it was rendered from) and a file
 * nobody edited since, the update skips Yeoman's overwrite prompt; an edited file still goes through it.
 */
export function writeModelFile(
  generator: Generator,
  spec: ModelSpec,
  specs: ReadonlyMap<string, ModelSpec>,
  config: ForgeConfig,
  previous?: { spec: ModelSpec; specs: ReadonlyMap<string, ModelSpec> },
): void {
  const path = generator.destinationPath(`app/models/${spec.module}.py`);
  const edited =
    previous !== undefined && isModelFileEdited(generator, previous.spec, previous.specs, config);
  generator.fs.write(path, modelFileContent(generator, spec, specs, config));
  if (previous !== undefined && !edited) ownFile(generator, path);
}

export const modelImport = (spec: ModelSpec) => `from app.models.${spec.module} import ${spec.name}`;
export const modelExport = (spec: ModelSpec) => `"${spec.name}",`;

/** Add the model to the registry that alembic/env.py imports, at its needles. */
export function registerModel(generator: Generator, spec: ModelSpec): void {
  const path = generator.destinationPath('app/models/__init__.py');
  const name = relative(generator.destinationRoot(), path);
  let content = generator.fs.read(path) ?? '';
  content = insertAtNeedle(content, NEEDLES.modelImports, [modelImport(spec)], name, { sorted: true });
  content = insertAtNeedle(content, NEEDLES.modelExports, [modelExport(spec)], name, { sorted: true });
  generator.fs.write(path, content);
  ownFile(generator, path);
}

/** Take the model's lines out of the registry (those a user edited away are simply not there). */
export function unregisterModel(generator: Generator, spec: ModelSpec): void {
  const path = generator.destinationPath('app/models/__init__.py');
  generator.fs.write(
    path,
    removeLines(generator.fs.read(path) ?? '', [modelImport(spec), modelExport(spec)]),
  );
  ownFile(generator, path);
}

interface ConstraintLines {
  /** Inside op.create_table(...), after the columns. */
  tableConstraints: string[];
  /** op.create_index / batch_op operations for upgrade, and their reverse for downgrade. */
  upgrade: string[];
  downgrade: string[];
}

function foreignKeyName(table: string, field: FieldView): string {
  return `fk_${table}_${field.name}_${field.fk!.table}`;
}

export function constraints(table: string, fields: FieldView[], batch: boolean): ConstraintLines {
  const indent = batch ? '        ' : '    ';
  const tableConstraints: string[] = [];
  // Per kind, the upgrade operations and their reverse. MySQL needs an index on a foreign key's column: the
  // indexes come first and go last, so that no foreign key is ever left without one.
  const foreignKeys = { upgrade: [] as string[], downgrade: [] as string[] };
  const uniques = { upgrade: [] as string[], downgrade: [] as string[] };
  const indexes = { upgrade: [] as string[], downgrade: [] as string[] };
  for (const field of fields) {
    if (field.fk) {
      const fkArgs = [
        `["${field.name}"]`,
        `["${field.fk.table}.${field.fk.column}"]`,
        `name=op.f("${foreignKeyName(table, field)}")`,
      ];
      if (field.fk.ondelete) fkArgs.push(`ondelete="${field.fk.ondelete}"`);
      if (batch) {
        const args = [
          `batch_op.f("${foreignKeyName(table, field)}")`,
          `"${field.fk.table}"`,
          `["${field.name}"]`,
          `["${field.fk.column}"]`,
        ];
        if (field.fk.ondelete) args.push(`ondelete="${field.fk.ondelete}"`);
        foreignKeys.upgrade.push(pyCall(indent, 'batch_op.create_foreign_key', args));
        foreignKeys.downgrade.unshift(
          pyCall(indent, 'batch_op.drop_constraint', [
            `batch_op.f("${foreignKeyName(table, field)}")`,
            'type_="foreignkey"',
          ]),
        );
      } else {
        tableConstraints.push(pyCall('        ', 'sa.ForeignKeyConstraint', fkArgs, ','));
      }
    }
  }
  for (const field of fields) {
    if (field.unique && !field.index) {
      const name = `uq_${table}_${field.name}`;
      if (batch) {
        uniques.upgrade.push(
          pyCall(indent, 'batch_op.create_unique_constraint', [`batch_op.f("${name}")`, `["${field.name}"]`]),
        );
        uniques.downgrade.unshift(
          pyCall(indent, 'batch_op.drop_constraint', [`batch_op.f("${name}")`, 'type_="unique"']),
        );
      } else {
        tableConstraints.push(`        sa.UniqueConstraint("${field.name}", name=op.f("${name}")),`);
      }
    }
  }
  for (const field of fields.filter((f) => f.index)) {
    const name = `ix_${table}_${field.name}`;
    const unique = field.unique ? 'True' : 'False';
    if (batch) {
      indexes.upgrade.push(
        pyCall(indent, 'batch_op.create_index', [
          `batch_op.f("${name}")`,
          `["${field.name}"]`,
          `unique=${unique}`,
        ]),
      );
      indexes.downgrade.unshift(`${indent}batch_op.drop_index(batch_op.f("${name}"))`);
    } else {
      indexes.upgrade.push(
        pyCall(indent, 'op.create_index', [
          `op.f("${name}")`,
          `"${table}"`,
          `["${field.name}"]`,
          `unique=${unique}`,
        ]),
      );
    }
  }
  return {
    tableConstraints,
    upgrade: [...indexes.upgrade, ...uniques.upgrade, ...foreignKeys.upgrade],
    downgrade: [...foreignKeys.downgrade, ...uniques.downgrade, ...indexes.downgrade],
  };
}

/**
 * Write the migration that creates the model's table (`added` undefined), adds `added` to it, or (`drop`) drops
 * the table, its downgrade creating it again.
 */
export function writeMigration(
  generator: Generator,
  spec: ModelSpec,
  specs: ReadonlyMap<string, ModelSpec>,
  config: ForgeConfig,
  added?: FieldSpec[],
  drop = false,
): string {
  const creating = added === undefined;
  const subset: ModelSpec = creating ? spec : { ...spec, fields: added };
  const fields = fieldViews(subset, specs, config, new Imports());
  const timestamp = timestampType(config.database);
  const message = drop
    ? `drop ${spec.table} table`
    : creating
      ? `create ${spec.table} table`
      : `add ${added.map((f) => f.name).join(', ')} to ${spec.table}`;
  const migration = newMigration(generator, message);
  const columns = creating
    ? [
        `        sa.Column("id", sa.Integer(), nullable=False),`,
        ...fields.map((f) => pyCall('        ', 'sa.Column', f.columnArgs, ',')),
        ...(spec.timestamps
          ? ['created_at', 'updated_at'].map(
              (name) => `        sa.Column("${name}", ${timestamp}, nullable=False),`,
            )
          : []),
      ]
    : fields.map((f) => nestedCall('        ', 'batch_op.add_column', 'sa.Column', f.columnArgs));
  const parts = constraints(spec.table, fields, !creating);
  generator.fs.copyTpl(
    modelTemplate(
      generator,
      creating ? 'alembic/versions/create_table.py' : 'alembic/versions/add_columns.py',
    ),
    generator.destinationPath(`alembic/versions/${migration.fileName}`),
    {
      ...migration,
      message,
      drop,
      table: spec.table,
      needsMysql:
        fields.some((f) => f.columnArgs.some((arg) => arg.startsWith('mysql.'))) ||
        (creating && spec.timestamps && timestamp.startsWith('mysql.')),
      columns,
      tableConstraints: [
        ...parts.tableConstraints.filter((l) => l.includes('ForeignKey')),
        `        sa.PrimaryKeyConstraint("id", name=op.f("pk_${spec.table}")),`,
        ...parts.tableConstraints.filter((l) => !l.includes('ForeignKey')),
      ],
      upgradeOps: parts.upgrade,
      downgradeOps: parts.downgrade,
      dropColumns: creating
        ? []
        : [...added].reverse().map((f) => `        batch_op.drop_column("${f.name}")`),
    },
  );
  return migration.fileName;
}

/** `outer(inner(args))` wrapped as ruff format does: one line, the inner call on its own line, or split too. */
export function nestedCall(indent: string, outer: string, inner: string, args: string[]): string {
  const oneLine = `${indent}${outer}(${inner}(${args.join(', ')}))`;
  if (oneLine.length <= 100) return oneLine;
  return `${indent}${outer}(\n${pyCall(`${indent}    `, inner, args)}\n${indent})`;
}

/**
 * The builtin models `which` selects (forge:database's users, forge:auth's refresh tokens) go through the model
 * machinery: spec, model file and, the first time, the migration chained to the head.
 */
export function writeBuiltinModels(
  generator: Generator,
  config: ForgeConfig,
  which: (model: (typeof BUILTIN_MODELS)[number]) => boolean,
): void {
  const specs = loadSpecs(generator);
  for (const model of BUILTIN_MODELS.filter(which)) {
    const stored = specs.get(model.name);
    const spec: ModelSpec = stored ?? {
      name: model.name,
      table: model.table,
      module: model.module,
      doc: model.doc,
      timestamps: true,
      fields: parseFields(model.fields),
      backrefs: [],
      builtin: true,
    };
    specs.set(spec.name, spec);
    saveSpec(generator, spec);
    writeModelFile(generator, spec, specs, config);
    // The registry's template already imports these models.
    if (stored === undefined) writeMigration(generator, spec, specs, config);
  }
}
