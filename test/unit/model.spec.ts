import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATABASES, ORMS } from '../../src/lib/config.js';
import { scripted } from '../support/answers.js';
import { listFiles, newProject, runGenerator } from '../support/generate.js';
import { FORGE_GENERATORS, generatorPath } from '../support/paths.js';

const runModel = (project: string, args: string[], options: Record<string, unknown> = {}) =>
  runGenerator(generatorPath('model'))
    .cd(project)
    .withArguments(args)
    .withOptions({ force: true, ...options });

const migrations = (project: string) => readdirSync(join(project, 'alembic', 'versions')).sort();
const read = (project: string, file: string) => readFileSync(join(project, file), 'utf8');
const snapshot = (project: string) => listFiles(project).map((f) => [f, read(project, f)]);

/** The revision that no other migration revises. */
function headRevision(project: string): string {
  const texts = migrations(project).map((file) => read(project, `alembic/versions/${file}`));
  const revised = new Set(texts.map((text) => /^down_revision[^=]*= "([0-9a-f]+)"/m.exec(text)?.[1]));
  const revisions = texts.map((text) => /^revision: str = "([0-9a-f]+)"/m.exec(text)![1]!);
  return revisions.find((revision) => !revised.has(revision))!;
}

/** What a run said with log.info (yeoman-test's adapter spies on it). */
const said = (result: { generator: { log: { info: unknown } } }) =>
  (result.generator.log.info as { mock: { calls: { arguments: unknown[] }[] } }).mock.calls.map((c) =>
    String(c.arguments[0]),
  );

describe('forge:model', () => {
  for (const database of DATABASES) {
    for (const orm of ORMS) {
      it(`${database} + ${orm}: writes the model, its spec, its registry lines and a chained migration`, async () => {
        const project = await newProject(database, orm);
        const before = migrations(project);
        const head = headRevision(project);
        await runModel(project, [
          'BlogPost',
          'title:str:max=200:index',
          'author:ref=User:ondelete=cascade',
          'published_at:datetime:optional',
        ]);
        const model = read(project, 'app/models/blog_post.py');
        if (orm === 'sqlalchemy') {
          assert.match(model, /class BlogPost\(TimestampMixin, Base\):/);
          assert.match(model, /title: Mapped\[str\] = mapped_column\(String\(200\), index=True\)/);
          assert.match(
            model,
            /author_id: Mapped\[int\] = mapped_column\(\s*Integer, ForeignKey\("users\.id", ondelete="CASCADE"\), index=True\s*\)/,
          );
          assert.match(
            model,
            /author: Mapped\["User"\] = relationship\(back_populates="blog_posts", lazy="raise"\)/,
          );
          assert.match(
            read(project, 'app/models/user.py'),
            /blog_posts: Mapped\[list\["BlogPost"\]\] = relationship\(/,
          );
        } else {
          assert.match(model, /class BlogPost\(TimestampMixin, table=True\):/);
          assert.match(model, /title: str = Field\(max_length=200, index=True\)/);
          assert.match(
            model,
            /author_id: int = Field\(foreign_key="users\.id", ondelete="CASCADE", index=True\)/,
          );
          assert.match(
            read(project, 'app/models/user.py'),
            /blog_posts: list\["BlogPost"\] = Relationship\(/,
          );
        }
        assert.match(model, /__tablename__ = "blog_posts"/);
        assert.match(model, /if TYPE_CHECKING:\n {4}from app\.models\.user import User/);
        assert.match(
          read(project, 'app/models/__init__.py'),
          /from app\.models\.blog_post import BlogPost\nfrom app\.models\.refresh_token import RefreshToken\nfrom app\.models\.user import User/,
        );
        assert.match(
          read(project, 'app/models/__init__.py'),
          /"BlogPost",\n {4}"RefreshToken",\n {4}"User",/,
        );
        const spec = JSON.parse(read(project, '.forge/models/BlogPost.json')) as Record<string, unknown>;
        assert.equal(spec['table'], 'blog_posts');
        assert.equal((spec['fields'] as unknown[]).length, 3);
        const files = migrations(project);
        assert.equal(files.length, before.length + 1);
        const migration = read(project, `alembic/versions/${files.find((f) => !before.includes(f))!}`);
        assert.match(migration, new RegExp(`down_revision: str \\| None = "${head}"`));
        assert.match(migration, /op\.create_table\(\s*"blog_posts"/);
        assert.match(
          migration,
          /sa\.ForeignKeyConstraint\(\s*\["author_id"\],\s*\["users\.id"\],\s*name=op\.f\("fk_blog_posts_author_id_users"\),\s*ondelete="CASCADE"/,
        );
        assert.match(
          migration,
          database === 'mysql'
            ? /"published_at", mysql\.DATETIME\(fsp=6\), nullable=True/
            : /"published_at", sa\.DateTime\(timezone=True\), nullable=True/,
        );
      });
    }
  }

  it('adds fields on a re-run with a migration that adds the columns; the same fields again change nothing', async () => {
    const project = await newProject('sqlite', 'sqlmodel', { auth: false });
    await runModel(project, ['Post', 'title:str']);
    await runModel(project, ['Post', 'title:str', 'views:int:default=0', 'note:text:optional']);
    const files = migrations(project);
    assert.equal(files.length, 3);
    const added = read(project, `alembic/versions/${files.find((f) => f.includes('add_views'))!}`);
    assert.match(added, /with op\.batch_alter_table\("posts"\) as batch_op:/);
    assert.match(
      added,
      /batch_op\.add_column\(\s*sa\.Column\("views", sa\.Integer\(\), nullable=False, server_default=sa\.text\("0"\)\)\s*\)/,
    );
    assert.match(added, /batch_op\.drop_column\("note"\)\n {8}batch_op\.drop_column\("views"\)/);
    assert.match(
      read(project, 'app/models/post.py'),
      /views: int = Field\(default=0, sa_column_kwargs=\{"server_default": text\("0"\)\}\)/,
    );
    const again = await runModel(project, ['Post', 'views:int:default=0']);
    assert.deepEqual(again.getSnapshot(), {});
    assert.equal(migrations(project).length, 3);
  });

  it('honours --table, --no-timestamps and --skip-migration', async () => {
    const project = await newProject('postgresql', 'sqlalchemy', { auth: false });
    await runModel(project, ['Person', 'full_name:str'], {
      table: 'people',
      timestamps: false,
      skipMigration: true,
    });
    const model = read(project, 'app/models/person.py');
    assert.match(model, /class Person\(Base\):/);
    assert.match(model, /__tablename__ = "people"/);
    assert.equal(migrations(project).length, 1);
  });

  describe('asked in a terminal: yo forge:model with no field spec', () => {
    const fields = (project: string, model: string) =>
      (JSON.parse(read(project, `.forge/models/${model}.json`)) as { fields: Record<string, unknown>[] })
        .fields;

    it('asks for the fields one by one: a type, the modifiers of that type, a reference, a link', async () => {
      const project = await newProject();
      const user = scripted({
        field: ['headline', 'writer', 'tags', ''],
        kind: ['str', 'ref', 'many'],
        modifiers: [['index', 'max']],
        max: ['120'],
        target: ['User', 'User'],
        optional: [false],
        ondelete: ['cascade'],
        confirmed: [true],
      });
      const result = await runModel(project, ['Story']).withAnswers(user.answers, user.options);
      assert.deepEqual(
        result.askedQuestions.map((q) => q.name),
        [
          ...['field', 'kind', 'modifiers', 'max'],
          ...['field', 'kind', 'target', 'optional', 'ondelete'],
          ...['field', 'kind', 'target'],
          ...['field', 'confirmed'],
        ],
      );
      assert.deepEqual(user.unused(), {});
      assert.deepEqual(
        fields(project, 'Story').map((f) => [f['name'], f['max'], f['ondelete']]),
        [
          ['headline', 120, undefined],
          ['writer_id', undefined, 'cascade'],
        ],
      );
      assert.match(read(project, 'app/models/story.py'), /^story_tags = Table\(/m);
    });

    it('asks for the model name when it is missing, checked as typed; without a terminal, refuses in one line', async () => {
      const project = await newProject();
      const user = scripted({
        model: ['', 'Blog-Post', 'class', 'BlogPost'],
        field: ['title', ''],
        kind: ['text'],
        modifiers: [[]],
        confirmed: [true],
      });
      await runModel(project, []).withAnswers(user.answers, user.options);
      assert.deepEqual(
        user.refusals.map((r) => r.message),
        [
          'Model name is missing: yo forge:model <Name> [field specs...]',
          'Model name "Blog-Post" is not an identifier: use letters and digits, e.g. BlogPost.',
          'Model name "class" is a Python keyword.',
        ],
      );
      assert.deepEqual(
        fields(project, 'BlogPost').map((f) => f['name']),
        ['title'],
      );
      const before = snapshot(project);
      await assert.rejects(runModel(project, [], { defaults: true }), /^Error: Model name is missing/);
      await assert.rejects(
        runModel(project, ['Comment'], { defaults: true }),
        /Model Comment needs fields: yo forge:model Comment name:type\[:modifier\]\.\.\./,
      );
      assert.deepEqual(snapshot(project), before);
    });

    it('refuses a reserved, invalid, taken or missing field name as it is typed, before asking its type', async () => {
      const project = await newProject();
      const user = scripted({
        field: ['order', '123bad', 'id', 'created_at', '', 'title', 'title', 'body', ''],
        kind: ['str', 'text'],
        modifiers: [[], []],
        confirmed: [true],
      });
      const result = await runModel(project, ['Note']).withAnswers(user.answers, user.options);
      assert.deepEqual(
        user.refusals.map((r) => [r.answer, r.message]),
        [
          [
            'order',
            'Field name "order" is a reserved SQL word on PostgreSQL, MySQL or SQLite; choose another name.',
          ],
          [
            '123bad',
            'Field name "123bad" must be snake_case: a lowercase letter, then lowercase letters, digits or "_".',
          ],
          ['id', 'Field name "id" is taken: every model has an integer primary key "id".'],
          [
            'created_at',
            'Field name "created_at" is taken by the timestamps (use --no-timestamps to define your own).',
          ],
          ['', 'A model needs at least one field.'],
          ['title', 'Note already has a field or relationship "title".'],
        ],
      );
      // The type was asked twice: never for a refused name.
      assert.equal(result.askedQuestions.filter((q) => q.name === 'kind').length, 2);
      assert.deepEqual(
        fields(project, 'Note').map((f) => f['name']),
        ['title', 'body'],
      );
    });

    it('offers the modifiers that apply to each type and checks each value as it is given', async () => {
      const project = await newProject();
      const user = scripted({
        field: ['code', 'price', 'notes', 'seen_on', 'owner_id', 'payload', ''],
        kind: ['str', 'decimal', 'text', 'date', 'int', 'json'],
        modifiers: [
          ['unique', 'max', 'default'],
          ['precision', 'scale', 'default'],
          [],
          ['optional'],
          ['fk'],
          [],
        ],
        max: ['0', '8'],
        default: ['too-long-for-eight', 'ABC', '12345.5', '1234.5'],
        precision: ['x', '6'],
        scale: ['7', '2'],
        fk: ['users', 'users.id'],
        ondelete: ['cascade'],
        confirmed: [true],
      });
      await runModel(project, ['Item']).withAnswers(user.answers, user.options);
      assert.deepEqual(user.offered['modifiers'], [
        ['optional', 'unique', 'index', 'max', 'default'],
        ['optional', 'unique', 'index', 'precision', 'scale', 'default'],
        ['optional'],
        ['optional', 'unique', 'index'],
        ['optional', 'unique', 'index', 'default', 'fk'],
        ['optional'],
      ]);
      assert.deepEqual(
        user.refusals.map((r) => [r.name, r.message]),
        [
          ['max', 'Field "code": max must be a positive integer, got "0".'],
          [
            'default',
            'Field "code": default "too-long-for-eight" is not a valid str; expected at most 8 characters.',
          ],
          ['precision', 'Field "price": precision must be a positive integer, got "x".'],
          ['scale', 'Field "price": scale cannot exceed precision.'],
          [
            'default',
            'Field "price": default "12345.5" is not a valid decimal; expected a decimal with at most 4 digits before and 2 after the point.',
          ],
          ['fk', 'Field "owner_id": fk must be table.column, got "users".'],
        ],
      );
      // A plain foreign key that is required cannot be set to NULL when its row goes.
      assert.deepEqual(user.offered['ondelete'], [['restrict', 'cascade']]);
      assert.deepEqual(
        fields(project, 'Item').map((f) =>
          Object.entries(f)
            .map(([k, v]) => `${k}=${String(v)}`)
            .join(' '),
        ),
        [
          'name=code unique=true max=8 default=ABC type=str',
          'name=price precision=6 scale=2 default=1234.5 type=decimal',
          'name=notes type=text',
          'name=seen_on optional=true type=date',
          'name=owner_id fk=users.id ondelete=cascade type=int',
          'name=payload type=json',
        ],
      );
    });

    it('offers user models and the model itself as a separate choice, set-null only when optional; a refused field is fixed, not retyped', async () => {
      const project = await newProject();
      const user = scripted({
        field: ['name', 'parent', ''],
        kind: ['str', 'ref'],
        modifiers: [[]],
        target: ['Category', 'Category'],
        optional: [false, true],
        ondelete: ['restrict', 'set-null'],
        confirmed: [true],
      });
      const result = await runModel(project, ['Category']).withAnswers(user.answers, user.options);
      // RefreshToken is authentication's own; Category is offered as "Category (itself)".
      assert.deepEqual(user.offered['target'], [
        ['User', 'Category'],
        ['User', 'Category'],
      ]);
      assert.deepEqual(user.offered['ondelete'], [
        ['restrict', 'cascade'],
        ['restrict', 'cascade', 'set-null'],
      ]);
      assert.deepEqual(
        result.askedQuestions.map((q) => q.name),
        [
          ...['field', 'kind', 'modifiers'],
          ...['field', 'kind', 'target', 'optional', 'ondelete'],
          ...['target', 'optional', 'ondelete'],
          ...['field', 'confirmed'],
        ],
      );
      assert.ok(
        said(result).includes(
          'Field "parent": a required reference from Category to itself leaves no way to create the first Category; make it optional (parent:ref=Category:optional). Fix parent:',
        ),
        said(result).join('\n'),
      );
      assert.deepEqual(
        fields(project, 'Category').map((f) => [f['name'], f['ref'], f['optional'], f['ondelete']]),
        [
          ['name', undefined, undefined, undefined],
          ['parent_id', 'Category', true, 'set-null'],
        ],
      );
    });

    it('on an existing model, asks for fields to add: a taken name is refused, a required field without default is fixed', async () => {
      const project = await newProject();
      await runModel(project, ['Post', 'title:str']);
      const user = scripted({
        field: ['title', 'rating', ''],
        kind: ['int'],
        modifiers: [[], ['default']],
        default: ['five', '5'],
        confirmed: [true],
      });
      const result = await runModel(project, ['post']).withAnswers(user.answers, user.options);
      assert.deepEqual(
        result.askedQuestions.map((q) => q.name),
        ['field', 'kind', 'modifiers', 'modifiers', 'default', 'field', 'confirmed'],
      );
      assert.deepEqual(
        user.refusals.map((r) => r.message),
        [
          'Post already has a field or relationship "title".',
          'Field "rating": default "five" is not a valid int; expected an integer.',
        ],
      );
      assert.equal(said(result)[0], '"post" is the existing model Post.');
      assert.match(said(result)[1]!, /^New required field "rating" needs default=VALUE .* Fix rating:$/);
      assert.deepEqual(fields(project, 'Post').at(-1), { name: 'rating', default: '5', type: 'int' });
    });

    it('a "no" at the confirmation writes nothing and says so as the bin exits 0 for', async () => {
      const project = await newProject();
      const before = snapshot(project);
      const user = scripted({ field: ['title', ''], kind: ['str'], modifiers: [[]], confirmed: [false] });
      await assert.rejects(
        runModel(project, ['Post']).withAnswers(user.answers, user.options),
        (error: Error) => error.message === 'Nothing changed: cancelled.',
      );
      assert.deepEqual(snapshot(project), before);
    });
  });

  it('names the existing model a lowercase name targets, and the closest model to an unknown one', async () => {
    const project = await newProject();
    await runModel(project, ['Post', 'title:str']);
    const result = await runModel(project, ['post', 'title:str']);
    assert.deepEqual(said(result), [
      '"post" is the existing model Post.',
      'Post: nothing to change (the fields are already defined).',
    ]);
    for (const [spec, message] of [
      ['author:ref=Usr', /^Error: Field "author_id": ref=Usr names no model "Usr"; did you mean User\?$/],
      ['profile:one=Usr', /^Error: Field "profile_id": one=Usr names no model "Usr"; did you mean User\?$/],
      ['tags:many=Pots', /^Error: "tags:many=Pots": many=Pots names no model "Pots"; did you mean Post\?$/],
      [
        'owner:ref=Nobody',
        /^Error: Field "owner_id": ref=Nobody names no model "Nobody"; models: Post, RefreshToken, User\.$/,
      ],
    ] as const) {
      await assert.rejects(runModel(project, ['Comment', 'body:text', spec]), message);
    }
  });

  describe('bad input: a clear error, nothing written', () => {
    const cases: [string, string[], RegExp][] = [
      ['a name that is not an identifier', ['Blog-Post', 'a:str'], /is not an identifier/],
      ['a Python keyword', ['class', 'a:str'], /is a Python keyword/],
      ['a name that shadows an import', ['SQLModel', 'a:str'], /would shadow/],
      ['List', ['List', 'a:str'], /would shadow/],
      [
        'the authentication model with other fields',
        ['User', 'nickname:str:optional'],
        /authentication model/,
      ],
      ['an unknown type', ['Post', 'a:varchar'], /unknown type "varchar"/],
      ['an unknown modifier', ['Post', 'a:str:primary'], /unknown modifier "primary"/],
      ['a duplicated field', ['Post', 'a:str', 'a:int'], /"a" is defined twice/],
      ['a reserved SQL word', ['Post', 'select:str'], /reserved SQL word/],
      [
        'a ref to a model that does not exist',
        ['Post', 'owner:ref=Nobody'],
        /ref=Nobody names no model "Nobody"/,
      ],
      [
        'a required reference to the model itself',
        ['Category', 'name:str', 'parent:ref=Category'],
        /Field "parent": a required reference from Category to itself leaves no way to create the first Category; make it optional \(parent:ref=Category:optional\)/,
      ],
      ['an fk to a table that does not exist', ['Post', 'owner_id:int:fk=owners.id'], /names no table/],
      [
        'an fk to a column that is not unique',
        ['Post', 'owner:int:fk=users.hashed_password'],
        /must point at id or a unique column/,
      ],
      [
        'a table name that is a reserved word',
        ['Post', 'a:str', '--table', 'order'],
        /Table name "order" is a reserved SQL word/,
      ],
    ];
    for (const [label, args, message] of cases) {
      it(`refuses ${label}`, async () => {
        const project = await newProject();
        const before = listFiles(project).map((f) => [f, read(project, f)]);
        const table = args.indexOf('--table');
        const options = table >= 0 ? { table: args[table + 1] } : {};
        await assert.rejects(runModel(project, table >= 0 ? args.slice(0, table) : args, options), message);
        assert.deepEqual(
          listFiles(project).map((f) => [f, read(project, f)]),
          before,
        );
      });
    }

    it('refuses a cycle of required references, naming it', async () => {
      const project = await newProject();
      await runModel(project, ['Author', 'name:str']);
      await runModel(project, ['Book', 'title:str', 'author:ref=Author']);
      await runModel(project, ['Shelf', 'label:str', 'book:ref=Book']);
      await assert.rejects(
        runModel(project, ['Author', 'shelf:ref=Shelf']),
        /Field "shelf": required references would go round in a cycle \(Author -> Shelf -> Book -> Author\)/,
      );
      await runModel(project, ['Author', 'shelf:ref=Shelf:optional']);
    });

    it('refuses a new required field without a default on an existing model', async () => {
      const project = await newProject();
      await runModel(project, ['Post', 'title:str']);
      await assert.rejects(
        runModel(project, ['Post', 'rating:int']),
        /New required field "rating" needs default=VALUE/,
      );
    });

    it('refuses to change a field without --change, naming the flag', async () => {
      const project = await newProject();
      await runModel(project, ['Post', 'title:str:max=100']);
      await assert.rejects(
        runModel(project, ['Post', 'title:str:max=200']),
        /Field "title" of Post already exists with another definition: pass --change/,
      );
    });

    it('refuses to rewrite a model file edited by hand, unless --force', async () => {
      const project = await newProject();
      await runModel(project, ['Post', 'title:str']);
      writeFileSync(join(project, 'app/models/post.py'), read(project, 'app/models/post.py') + '# mine\n');
      const before = listFiles(project).map((f) => [f, read(project, f)]);
      await assert.rejects(
        runModel(project, ['Post', 'body:text:optional'], { force: false }),
        /app\/models\/post\.py changed since forge wrote it.*--force/,
      );
      assert.deepEqual(
        listFiles(project).map((f) => [f, read(project, f)]),
        before,
      );
      await runModel(project, ['Post', 'body:text:optional'], { force: true });
      assert.doesNotMatch(read(project, 'app/models/post.py'), /# mine/);
    });

    it('updates files nobody edited without asking', async () => {
      const project = await newProject();
      await runModel(project, ['Post', 'title:str']);
      const result = await runModel(project, ['Post', 'author:ref=User:optional'], { force: false });
      assert.deepEqual(result.askedQuestions, []);
      assert.match(read(project, 'app/models/user.py'), /posts: list\["Post"\] = Relationship/);
    });

    it('refuses to chain to several heads', async () => {
      const project = await newProject();
      const revision = headRevision(project);
      const fork = (id: string) => `revision: str = "${id}"\ndown_revision: str | None = "${revision}"\n`;
      writeFileSync(join(project, 'alembic/versions/a_fork.py'), fork('aaaaaaaaaaaa'));
      writeFileSync(join(project, 'alembic/versions/b_fork.py'), fork('bbbbbbbbbbbb'));
      await assert.rejects(runModel(project, ['Post', 'title:str']), /2 heads .*alembic merge heads/);
    });

    it('refuses to run outside a forge project', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'forge-unit-'));
      await assert.rejects(runModel(dir, ['Post', 'a:str']), /Not inside a forge project/);
      assert.deepEqual(listFiles(dir), []);
    });
  });

  it('one=Model: a unique reference, a single object on both sides', async () => {
    const project = await newProject('postgresql', 'sqlalchemy');
    await runModel(project, ['Profile', 'bio:text', 'account:one=User']);
    const profile = read(project, 'app/models/profile.py');
    assert.match(
      profile,
      /account_id: Mapped\[int\] = mapped_column\(\s*Integer, ForeignKey\("users\.id"\), unique=True, index=True\s*\)/,
    );
    assert.match(
      profile,
      /account: Mapped\["User"\] = relationship\(\s*back_populates="profile", uselist=False, lazy="raise"\s*\)/,
    );
    assert.match(
      read(project, 'app/models/user.py'),
      /profile: Mapped\["Profile \| None"\] = relationship\(\s*back_populates="account", passive_deletes=True, uselist=False, lazy="raise"\s*\)/,
    );
    const migration = read(
      project,
      `alembic/versions/${migrations(project).find((f) => f.includes('profiles'))!}`,
    );
    assert.match(
      migration,
      /op\.create_index\(op\.f\("ix_profiles_account_id"\), "profiles", \["account_id"\], unique=True\)/,
    );
  });

  it('many=Model: an association table in the model file, relationships on both sides, its own migration', async () => {
    const project = await newProject('mysql', 'sqlmodel');
    await runModel(project, ['Tag', 'name:str:max=40']);
    await runModel(project, ['Post', 'title:str', 'tags:many=Tag']);
    const post = read(project, 'app/models/post.py');
    assert.match(post, /^post_tags = Table\(\n {4}"post_tags",\n {4}metadata,$/m);
    assert.match(
      post,
      /Column\("post_id", Integer, ForeignKey\("posts\.id", ondelete="CASCADE"\), primary_key=True\)/,
    );
    assert.match(post, /sa_relationship_kwargs=\{"secondary": "post_tags", "lazy": "selectin"\}/);
    assert.match(
      read(project, 'app/models/tag.py'),
      /posts: list\["Post"\] = Relationship\(\s*back_populates="tags"/,
    );
    const files = migrations(project);
    const link = read(
      project,
      `alembic/versions/${files.find((f) => f.includes('create_post_tags_table'))!}`,
    );
    assert.match(link, /sa\.PrimaryKeyConstraint\("post_id", "tag_id", name=op\.f\("pk_post_tags"\)\)/);
    assert.match(
      link,
      /op\.create_index\(op\.f\("ix_post_tags_tag_id"\), "post_tags", \["tag_id"\], unique=False\)/,
    );
    assert.match(link, /def downgrade\(\) -> None:\n {4}op\.drop_table\("post_tags"\)/);
    // The link's migration chains after the table's.
    const revision = (text: string) => /^revision: str = "(\w+)"/m.exec(text)![1];
    const posts = read(project, `alembic/versions/${files.find((f) => f.includes('create_posts_table'))!}`);
    assert.match(link, new RegExp(`^down_revision: str \\| None = "${revision(posts)}"`, 'm'));
    const before = snapshot(project);
    await runModel(project, ['Post', 'tags:many=Tag']);
    assert.deepEqual(snapshot(project), before);
    await assert.rejects(runModel(project, ['Post', 'tags:many=Post']), /"tags" already links Post to Tag/);
    await assert.rejects(
      runModel(project, ['Post', 'posts:many=Post']),
      /"posts:many=Post": a link from Post to itself needs a name for the linked rows' role, e\.g\. related:many=Post/,
    );
    await assert.rejects(runModel(project, ['Post', 'x:many=Nope']), /many=Nope names no model/);
    await assert.rejects(
      runModel(project, ['Post', 'title:many=Tag']),
      /"title" is already a field or relationship of Post/,
    );
    await assert.rejects(runModel(project, ['Tag'], { destroy: true }), /--destroy: Post\.tags reference/);
  });

  it('a reference added later: its index is created before its foreign key and dropped after it (MySQL)', async () => {
    const project = await newProject('mysql', 'sqlalchemy');
    await runModel(project, ['Post', 'title:str']);
    const before = migrations(project);
    await runModel(project, ['Post', 'editor:ref=User:optional:ondelete=set-null']);
    const [added] = migrations(project).filter((f) => !before.includes(f));
    const text = read(project, `alembic/versions/${added!}`);
    const [upgrade, downgrade] = text.split('def downgrade() -> None:');
    assert.ok(upgrade!.indexOf('create_index') < upgrade!.indexOf('create_foreign_key'), upgrade);
    assert.ok(downgrade!.indexOf('drop_constraint') < downgrade!.indexOf('drop_index'), downgrade);
  });

  it('many=Model to the model itself: columns named after the link, join conditions on both sides', async () => {
    const project = await newProject('postgresql', 'sqlalchemy');
    await runModel(project, ['Post', 'title:str', 'related:many=Post']);
    const spec = JSON.parse(read(project, '.forge/models/Post.json')) as {
      links: unknown;
      backrefs: unknown;
    };
    assert.deepEqual(spec.links, [
      { name: 'related', model: 'Post', table: 'post_related', column: 'related_id' },
    ]);
    assert.deepEqual(spec.backrefs, [
      { name: 'related_of', model: 'Post', relation: 'related', link: 'post_related' },
    ]);
    const post = read(project, 'app/models/post.py');
    assert.match(
      post,
      /Column\(\n {8}"related_id",\n {8}Integer,\n {8}ForeignKey\("posts\.id", ondelete="CASCADE"\),/,
    );
    assert.match(
      post,
      /related: Mapped\[list\["Post"\]\] = relationship\([^)]*primaryjoin="Post\.id == post_related\.c\.post_id",\n {8}secondaryjoin="Post\.id == post_related\.c\.related_id",\n {8}join_depth=2,/,
    );
    assert.match(
      post,
      /related_of: Mapped\[list\["Post"\]\] = relationship\([^)]*primaryjoin="Post\.id == post_related\.c\.related_id",\n {8}secondaryjoin="Post\.id == post_related\.c\.post_id",\n {8}lazy="raise",/,
    );
    const link = migrations(project).find((f) => f.includes('create_post_related_table'))!;
    assert.match(
      read(project, `alembic/versions/${link}`),
      /sa\.PrimaryKeyConstraint\("post_id", "related_id", name=op\.f\("pk_post_related"\)\)/,
    );
    // Its own link does not keep a model from being destroyed: the association table goes first.
    const before = migrations(project);
    await runModel(project, ['Post'], { destroy: true });
    const drops = migrations(project).filter((f) => !before.includes(f));
    const text = (suffix: string) =>
      read(project, `alembic/versions/${drops.find((f) => f.endsWith(suffix))!}`);
    const revision = (migration: string) => /^revision: str = "(\w+)"/m.exec(migration)![1];
    assert.match(
      text('drop_posts_table.py'),
      new RegExp(`^down_revision: str \\| None = "${revision(text('drop_post_related_table.py'))}"`, 'm'),
    );
    assert.equal(drops.length, 2);
  });

  it('--rename of a link: the relationship, its back reference and its ids follow; the table keeps its name', async () => {
    const project = await newProject();
    await runModel(project, ['Tag', 'name:str:max=40']);
    await runModel(project, ['Post', 'title:str', 'tags:many=Tag']);
    await runGenerator(generatorPath('crud'))
      .withGenerators(FORGE_GENERATORS)
      .cd(project)
      .withArguments(['Post'])
      .withOptions({ force: true });
    const before = migrations(project);
    await assert.rejects(
      runModel(project, ['Post'], { rename: 'tags:title' }).withGenerators(FORGE_GENERATORS),
      /--rename tags:title: Post already has a field or relationship "title"/,
    );
    await runModel(project, ['Post'], { rename: 'tags:labels' }).withGenerators(FORGE_GENERATORS);
    assert.deepEqual(migrations(project), before);
    const post = read(project, 'app/models/post.py');
    assert.match(post, /labels: list\["Tag"\] = Relationship\(\s*back_populates="posts"/);
    assert.match(post, /"secondary": "post_tags"/);
    assert.match(post, /def label_ids\(self\) -> list\[int\]:/);
    assert.match(
      read(project, 'app/models/tag.py'),
      /posts: list\["Post"\] = Relationship\(\s*back_populates="labels"/,
    );
    const schemas = read(project, 'app/schemas/post.py');
    assert.match(schemas, /label_ids: list\[Int32\]/);
    assert.doesNotMatch(schemas, /tag_ids/);
    const spec = JSON.parse(read(project, '.forge/models/Post.json')) as { links: unknown };
    assert.deepEqual(spec.links, [{ name: 'labels', model: 'Tag', table: 'post_tags' }]);
  });

  it('--remove drops a link (its association table) and --destroy takes the links of a model along', async () => {
    const project = await newProject();
    await runModel(project, ['Tag', 'name:str:max=40']);
    await runModel(project, ['Label', 'name:str:max=40']);
    const tagFile = read(project, 'app/models/tag.py');
    await runModel(project, ['Post', 'title:str', 'tags:many=Tag', 'labels:many=Label']);
    let before = migrations(project);
    await runModel(project, ['Post'], { remove: 'tags' });
    const [dropTags] = migrations(project).filter((f) => !before.includes(f));
    const text = read(project, `alembic/versions/${dropTags!}`);
    assert.match(text, /The links in post_tags are deleted by upgrade\(\)/);
    assert.match(text, /def upgrade\(\) -> None:\n {4}op\.drop_table\("post_tags"\)/);
    assert.match(text, /def downgrade\(\) -> None:\n {4}op\.create_table\(\n {8}"post_tags",/);
    assert.doesNotMatch(read(project, 'app/models/post.py'), /post_tags/);
    assert.equal(read(project, 'app/models/tag.py'), tagFile);
    before = migrations(project);
    await runModel(project, ['Post'], { destroy: true });
    const texts = migrations(project)
      .filter((f) => !before.includes(f))
      .map((f) => read(project, `alembic/versions/${f}`));
    assert.equal(texts.length, 2);
    // The association table goes first; the posts table in the migration chained to it.
    const dropLinks = texts.find((t) => t.startsWith('"""drop post_labels table'))!;
    const dropPosts = texts.find((t) => t.startsWith('"""drop posts table'))!;
    const revision = /^revision: str = "(\w+)"/m.exec(dropLinks)![1]!;
    assert.match(dropPosts, new RegExp(`^down_revision: str \\| None = "${revision}"`, 'm'));
    assert.doesNotMatch(read(project, 'app/models/label.py'), /posts/);
  });

  describe('changing, renaming and removing fields', () => {
    const POST = [
      'Post',
      'title:str:max=100:index',
      'slug:str:max=80:unique',
      'views:int:default=0',
      'note:str:max=40',
      'author:ref=User:ondelete=cascade',
    ];
    const newestOf = (project: string, before: string[]) =>
      read(project, `alembic/versions/${migrations(project).find((file) => !before.includes(file))!}`);
    const spec = (project: string, name: string) =>
      JSON.parse(read(project, `.forge/models/${name}.json`)) as {
        fields: { name: string; relation?: string; max?: number; type: string }[];
        backrefs: { name: string; model: string; relation: string }[];
      };

    it('--change alters the column in one migration whose downgrade restores it', async () => {
      const project = await newProject('postgresql', 'sqlalchemy');
      await runModel(project, POST);
      const before = migrations(project);
      await runModel(project, ['Post', 'title:str:max=300:index', 'views:bigint:default=1'], {
        change: true,
      });
      assert.equal(migrations(project).length, before.length + 1);
      const migration = newestOf(project, before);
      assert.match(migration, /^"""change title, views in posts$/m);
      assert.match(migration, /type_=sa\.String\(length=300\),\n\s+postgresql_using="title::varchar\(300\)"/);
      assert.match(migration, /existing_server_default=sa\.text\("0"\),\n\s+server_default=sa\.text\("1"\)/);
      assert.match(
        migration.split('def downgrade')[1]!,
        /existing_type=sa\.String\(length=300\),\n\s+type_=sa\.String\(length=100\)/,
      );
      assert.equal(spec(project, 'Post').fields[0]!.max, 300);
      assert.match(read(project, 'app/models/post.py'), /String\(300\)/);
    });

    it('--change to required checks for NULLs first, or fills them with the new default', async () => {
      const project = await newProject();
      await runModel(project, ['Post', 'subtitle:str:optional', 'score:int:optional']);
      const before = migrations(project);
      await runModel(project, ['Post', 'subtitle:str', 'score:int:default=3'], { change: true });
      const upgrade = newestOf(project, before).split('def downgrade')[0]!.split('def upgrade')[1]!;
      assert.match(upgrade, /_require_values\("posts", "subtitle"\)/);
      assert.match(upgrade, /_fill_nulls\("posts", "score", sa\.literal_column\("3"\)\)/);
      assert.ok(upgrade.indexOf('_require_values') < upgrade.indexOf('batch_alter_table'));
    });

    it('refuses a change the databases cannot convert, and a new reference target', async () => {
      const project = await newProject();
      await runModel(project, POST);
      const before = snapshot(project);
      await assert.rejects(
        runModel(project, ['Post', 'title:int'], { change: true }),
        /Field "title" of Post: the databases cannot convert str to int in place\. Add a new field/,
      );
      await assert.rejects(
        runModel(project, ['Post', 'author:ref=Post'], { change: true }),
        /Field "author" of Post: what it references cannot change in place/,
      );
      assert.deepEqual(snapshot(project), before);
    });

    it('--rename keeps the column (a rename), renames its constraints, and moves the back reference', async () => {
      const project = await newProject('mysql', 'sqlmodel');
      await runModel(project, POST);
      const before = migrations(project);
      await runModel(project, ['Post'], { rename: 'title:headline,author:writer' });
      const migration = newestOf(project, before);
      assert.match(migration, /"title",\n\s+new_column_name="headline"/);
      assert.match(migration, /batch_op\.drop_index\(batch_op\.f\("ix_posts_title"\)\)/);
      assert.match(migration, /batch_op\.create_index\(batch_op\.f\("ix_posts_headline"\)/);
      assert.match(migration, /batch_op\.f\("fk_posts_writer_id_users"\)/);
      assert.doesNotMatch(migration, /drop_column|add_column/);
      assert.deepEqual(
        spec(project, 'Post').fields.map((f) => f.relation ?? f.name),
        ['headline', 'slug', 'views', 'note', 'writer'],
      );
      assert.deepEqual(spec(project, 'User').backrefs, [
        { name: 'posts', model: 'Post', relation: 'writer' },
      ]);
      assert.match(read(project, 'app/models/user.py'), /back_populates="writer"/);
    });

    it('--remove needs a confirmation; the downgrade restores the column and says the data is gone', async () => {
      const project = await newProject('sqlite', 'sqlmodel');
      await runModel(project, POST);
      const files = snapshot(project);
      await assert.rejects(
        runModel(project, ['Post'], { remove: 'note', force: false, defaults: true }),
        /--remove deletes the data in posts\.note; re-run with --force to confirm/,
      );
      assert.deepEqual(snapshot(project), files);
      const before = migrations(project);
      await runModel(project, ['Post'], { remove: 'note' });
      const migration = newestOf(project, before);
      assert.match(migration, /The values of posts\.note are deleted by upgrade\(\)/);
      assert.match(migration, /batch_op\.drop_column\("note"\)/);
      assert.match(migration, /_fill_nulls\("posts", "note", sa\.literal_column\("CAST\(id AS TEXT\)"\)\)/);
      assert.ok(!spec(project, 'Post').fields.some((f) => f.name === 'note'));
    });

    it('asks before removing when it can', async () => {
      const project = await newProject();
      await runModel(project, POST);
      const result = await runModel(project, ['Post'], { remove: 'note', force: false }).withAnswers({
        confirmed: true,
      });
      assert.equal(result.askedQuestions.length, 1);
      assert.ok(!spec(project, 'Post').fields.some((f) => f.name === 'note'));
    });

    const refusals: [string, Record<string, unknown>, RegExp][] = [
      [
        'a rename to a name the model has',
        { rename: 'title:slug' },
        /--rename title:slug: Post already has a field or relationship "slug"/,
      ],
      [
        'a rename of a field it does not have',
        { rename: 'nope:other' },
        /--rename nope: Post has no field "nope"; its fields: title, slug, views, note, author\./,
      ],
      [
        'a rename to a reserved word',
        { rename: 'title:select' },
        /--rename title:select: .*reserved SQL word/,
      ],
      ['a malformed rename', { rename: 'title' }, /Invalid --rename "title": expected old:new/],
      [
        'a removal of a field another model references',
        { remove: 'slug' },
        /--remove slug: Comment\.post_slug references posts\.slug \(fk=\)/,
      ],
      [
        'a removal of every field',
        { remove: 'title,slug,views,note,author' },
        /would have no field left; .*--destroy/,
      ],
    ];
    for (const [label, options, message] of refusals) {
      it(`refuses ${label}, writing nothing`, async () => {
        const project = await newProject();
        await runModel(project, POST);
        if (options['remove'] === 'slug') {
          await runModel(project, ['Comment', 'body:text', 'post_slug:int:optional:fk=posts.slug']);
        }
        const before = snapshot(project);
        await assert.rejects(runModel(project, ['Post'], options), message);
        assert.deepEqual(snapshot(project), before);
      });
    }
  });
});
