import assert from 'node:assert/strict';
import {
  DEFAULT_FORMS,
  FIELD_TYPES,
  FieldError,
  modifiersFor,
  parseDefault,
  parseField,
  parseFields,
} from '../../src/lib/fields.js';
import { insertAtNeedle } from '../../src/lib/python.js';
import { Imports, pyCall } from '../../src/lib/render.js';

describe('lib/fields: the field DSL', () => {
  it('parses a type and modifiers', () => {
    assert.deepEqual(parseField('title:str:max=200:unique:index'), {
      name: 'title',
      type: 'str',
      max: 200,
      unique: true,
      index: true,
    });
    assert.deepEqual(parseField('published:bool:default=false'), {
      name: 'published',
      type: 'bool',
      default: 'false',
    });
    assert.deepEqual(parseField('price:decimal:precision=10:scale=3:optional'), {
      name: 'price',
      type: 'decimal',
      precision: 10,
      scale: 3,
      optional: true,
    });
  });

  it('turns ref=Model into a foreign-key column, its index and a relationship name', () => {
    assert.deepEqual(parseField('author:ref=User:ondelete=cascade'), {
      name: 'author_id',
      relation: 'author',
      type: 'int',
      ref: 'User',
      index: true,
      ondelete: 'cascade',
    });
    assert.equal(parseField('author_id:int:ref=User').relation, 'author');
  });

  it('renders defaults per type', () => {
    assert.deepEqual(parseDefault(parseField('a:bool:default=true')), { python: 'True', server: 'true()' });
    assert.deepEqual(parseDefault(parseField('a:int:default=-3')), { python: '-3', server: 'text("-3")' });
    assert.deepEqual(parseDefault(parseField('a:float:default=2')), { python: '2.0', server: 'text("2")' });
    assert.deepEqual(parseDefault(parseField('a:str:default=he said "hi"')), {
      python: '"he said \\"hi\\""',
      server: '"he said \\"hi\\""',
    });
    assert.deepEqual(parseDefault(parseField('a:decimal:default=9.99')), {
      python: 'Decimal("9.99")',
      server: 'text("9.99")',
    });
    assert.deepEqual(parseDefault(parseField('a:datetime:default=now')), { python: 'utc_now' });
    assert.deepEqual(parseDefault(parseField('a:uuid:default=random')), { python: 'uuid4' });
  });

  const bad: [string, RegExp][] = [
    ['title:string', /unknown type "string"; types are str, text/],
    ['title', /has no type/],
    [':str', /has no name/],
    ['title:str:maxlen=5', /unknown modifier "maxlen=5"/],
    ['count:int:max=5', /max applies to str fields only/],
    ['title:str:max=0', /max must be a positive integer/],
    ['flag:bool:default=yes', /default "yes" is not a valid bool; expected true or false/],
    ['n:int:default=1.5', /not a valid int/],
    ['p:decimal:default=123456789012.5', /not a valid decimal/],
    ['d:date:default=today', /default= is not supported for date fields/],
    ['class:str', /"class" is a Python keyword/],
    ['order:int', /"order" is a reserved SQL word/],
    ['group:str', /reserved SQL word/],
    ['user:str', /reserved SQL word/],
    ['id:int', /"id" is taken/],
    ['created_at:datetime', /taken by the timestamps/],
    ['metadata:json', /reserved by SQLAlchemy/],
    ['model_name:str', /reserved by SQLAlchemy, SQLModel or pydantic/],
    ['json:json', /reserved by SQLAlchemy, SQLModel or pydantic/],
    ['copy:str', /reserved by SQLAlchemy, SQLModel or pydantic/],
    ['Title:str', /must be snake_case/],
    ['owner:str:fk=users', /fk must be table.column/],
    ['owner:str:fk=users.id', /foreign key must be int or bigint/],
    ['owner:ref=User:ondelete=explode', /ondelete must be one of cascade, set-null, restrict/],
    ['owner:ref=User:ondelete=set-null', /set-null needs the field to be optional/],
    ['n:int:ondelete=cascade', /ondelete applies to fk or ref fields only/],
    ['body:text:unique', /cannot be unique or indexed on MySQL/],
    ['p:decimal:precision=2:scale=4', /scale cannot exceed precision/],
  ];
  for (const [spec, message] of bad) {
    it(`refuses ${spec}`, () =>
      assert.throws(
        () => parseField(spec),
        (e: unknown) => e instanceof FieldError && message.test(e.message),
      ));
  }

  it('refuses a field defined twice, also through a reference', () => {
    assert.throws(() => parseFields(['title:str', 'title:text']), /"title" is defined twice/);
    assert.throws(() => parseFields(['author:ref=User', 'author_id:int']), /"author_id" is defined twice/);
  });
});

describe('lib/render', () => {
  it('wraps calls as ruff format does', () => {
    assert.equal(pyCall('    ', 'x = f', ['a', 'b']), '    x = f(a, b)');
    const hugged = pyCall('    ', 'value: Mapped[str] = mapped_column', [
      'String(255)',
      'unique=True',
      'index=True',
      'default="a-rather-long-default"',
    ]);
    assert.equal(hugged.split('\n').length, 3);
    const exploded = pyCall(
      '    ',
      'f',
      Array.from({ length: 12 }, (_, i) => `argument_number_${i}=True`),
    );
    assert.ok(exploded.endsWith(',\n    )'));
  });

  it('sorts imports into sections and by type, as isort does', () => {
    const imports = new Imports()
      .add('sqlalchemy', 'text', 'String', 'JSON')
      .add('app.core.database', 'utc_now', 'Base')
      .add('typing', 'Any', 'TYPE_CHECKING')
      .add('decimal', 'Decimal');
    assert.equal(
      imports.render(),
      'from decimal import Decimal\nfrom typing import TYPE_CHECKING, Any\n\nfrom sqlalchemy import JSON, String, text\n\nfrom app.core.database import Base, utc_now',
    );
  });

  it('keeps a registry sorted when it inserts at a needle', () => {
    const registry = [
      'from app.core.database.base import metadata',
      'from app.models.user import User',
      '',
      '# forge-needle-model-imports',
      '',
      '__all__ = [',
      '    "User",',
      '    "metadata",',
      '    # forge-needle-model-exports',
      ']',
    ].join('\n');
    let out = insertAtNeedle(
      registry,
      'forge-needle-model-imports',
      ['from app.models.post import Post'],
      'r',
      { sorted: true },
    );
    out = insertAtNeedle(out, 'forge-needle-model-exports', ['"Post",'], 'r', { sorted: true });
    assert.equal(
      out,
      [
        'from app.core.database.base import metadata',
        'from app.models.post import Post',
        'from app.models.user import User',
        '',
        '# forge-needle-model-imports',
        '',
        '__all__ = [',
        '    "Post",',
        '    "User",',
        '    "metadata",',
        '    # forge-needle-model-exports',
        ']',
      ].join('\n'),
    );
  });
});

describe('documentation', () => {
  it('the README type table and the --help text list every field type', async () => {
    const { readFileSync } = await import('node:fs');
    const { FIELD_TYPES } = await import('../../src/lib/fields.js');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const usage = readFileSync(new URL('../../generators/model/USAGE', import.meta.url), 'utf8');
    for (const type of FIELD_TYPES) {
      assert.match(readme, new RegExp(`^\\| \`${type}\` \\|`, 'm'), `README row for ${type}`);
      assert.match(usage, new RegExp(`^  ${type} `, 'm'), `USAGE row for ${type}`);
    }
  });

  it('offers per type the modifiers parseField takes for it, and a default exactly where parseDefault has one', () => {
    for (const type of FIELD_TYPES) {
      const offered = modifiersFor(type);
      const takesDefault = (() => {
        try {
          parseDefault({ name: 'probe', type, default: 'x' });
          return true;
        } catch (error) {
          return !/is not supported/.test((error as Error).message);
        }
      })();
      assert.equal(offered.includes('default'), takesDefault, type);
      assert.equal(offered.includes('default'), DEFAULT_FORMS[type] !== undefined, type);
    }
    assert.deepEqual(modifiersFor('str'), ['optional', 'unique', 'index', 'max', 'default']);
    assert.deepEqual(modifiersFor('decimal'), [
      'optional',
      'unique',
      'index',
      'precision',
      'scale',
      'default',
    ]);
    assert.deepEqual(modifiersFor('bigint'), ['optional', 'unique', 'index', 'default', 'fk']);
    assert.deepEqual(modifiersFor('json'), ['optional']);
  });
});
