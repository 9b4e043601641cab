/**
 * forge:model end to end, per database x ORM: a model with every type and modifier and a reference to users, a
 * second model referencing the first, rows written and read back through the ORM, then a field added to the
 * first model with its own migration; the rows survive and the models still match the migrations. Then the
 * model, now with REST endpoints, evolves: fields changed in place, renamed and removed, one migration each,
 * the rows' values kept, down and up again; a second resource is destroyed, a one-to-one resource and a
 * many-to-many link are added; the generated tests pass on the final shape.
 */
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATABASES, ORMS } from '../../src/lib/config.js';
import { runGenerator } from '../support/generate.js';
import { FORGE_GENERATORS, generatorPath } from '../support/paths.js';
import { passGeneratedTests, prepareProject, type E2EProject } from '../support/project.js';

/** Every type and every modifier, and both kinds of foreign key. */
export const POST_FIELDS = [
  'title:str:max=200:index',
  'slug:str:max=80:unique',
  'body:text',
  'views:int:default=0',
  'big:bigint:optional',
  'rating:float:optional',
  'price:decimal:precision=10:scale=2',
  'published:bool:default=false',
  'publish_date:date:optional',
  'published_at:datetime:optional',
  'alarm:time:optional',
  'token:uuid:unique',
  'meta:json:optional',
  'author:ref=User:ondelete=cascade',
  'editor_id:int:optional:fk=users.id:ondelete=set-null',
];
const COMMENT_FIELDS = [
  'body:text',
  'post:ref=Post:ondelete=cascade',
  'parent:ref=Comment:optional:ondelete=set-null',
];
const ADDED_FIELDS = ['score:int:default=5', 'subtitle:str:max=120:optional'];

const ROUNDTRIP = join(import.meta.dirname, 'fixtures', 'model_roundtrip.py');
const EVOLVE = join(import.meta.dirname, 'fixtures', 'model_evolve.py');

for (const database of DATABASES) {
  for (const orm of ORMS) {
    describe(`e2e forge:model: ${database} + ${orm}`, function () {
      this.timeout(600_000);
      let project: E2EProject | undefined;
      const inProject = (command: string, args: string[]) => project!.run(command, args);
      const model = (args: string[], options: Record<string, unknown> = {}) =>
        runGenerator(generatorPath('model'))
          .withGenerators(FORGE_GENERATORS)
          .cd(project!.root)
          .withArguments(args)
          .withOptions({ force: true, ...options });
      const crud = (args: string[], options: Record<string, unknown> = {}) =>
        runGenerator(generatorPath('crud'))
          .withGenerators(FORGE_GENERATORS)
          .cd(project!.root)
          .withArguments(args)
          .withOptions({ force: true, defaults: true, ...options });
      const read = async (...columns: string[]) =>
        JSON.parse(await inProject('python', ['model_evolve.py', 'read', ...columns])) as Record<
          string,
          string | null
        >;
      /** Upgrade to head; the models match the migrations. */
      const migrateAndCheck = async () => {
        await inProject('alembic', ['upgrade', 'head']);
        assert.match(await inProject('alembic', ['check']), /No new upgrade operations detected/);
      };
      const columns = async () =>
        JSON.parse(await inProject('python', ['model_evolve.py', 'columns'])) as string[];

      before(async function () {
        project = await prepareProject(this, database, orm, 'model');
        copyFileSync(ROUNDTRIP, join(project.root, 'model_roundtrip.py'));
        copyFileSync(EVOLVE, join(project.root, 'model_evolve.py'));
      });

      after(async () => project?.cleanup());

      it('writes Post (every type, a reference to users) and Comment (references Post and itself)', async () => {
        await model(['Post', ...POST_FIELDS]);
        await model(['Comment', ...COMMENT_FIELDS]);
        await migrateAndCheck();
        await inProject('alembic', ['downgrade', 'base']);
        await migrateAndCheck();
      });

      it('round-trips every type through the ORM (decimal, uuid, json, aware datetime exactly)', async () => {
        await inProject('python', ['model_roundtrip.py', 'insert']);
        assert.match(await inProject('python', ['model_roundtrip.py', 'verify']), /round trip ok/);
      });

      it('adds fields with a new migration; existing rows survive and get the default', async () => {
        await model(['Post', ...ADDED_FIELDS]);
        await inProject('alembic', ['upgrade', 'head']);
        assert.match(await inProject('python', ['model_roundtrip.py', 'verify-added']), /round trip ok/);
        assert.match(await inProject('alembic', ['check']), /No new upgrade operations detected/);
        await inProject('alembic', ['downgrade', '-1']);
        await inProject('alembic', ['upgrade', 'head']);
        assert.match(await inProject('alembic', ['history']), /add score, subtitle to posts/);
      });

      it('the same fields again change nothing', async () => {
        const result = await model(['Post', ...ADDED_FIELDS]);
        assert.match(JSON.stringify(result.getSnapshot()), /^\{\}$/);
      });

      it('changes fields in place: refuses to lose NULLs, keeps every value', async () => {
        // A resource, so that the generated API and its tests follow each change.
        await crud(['Post']);
        await model(
          [
            'Post',
            'title:str:max=300:index',
            'slug:str:max=80:unique:index',
            'views:bigint:default=1',
            'big:bigint',
            'rating:decimal:precision=10:scale=2:optional',
            'published:bool:default=true',
            'subtitle:str:max=120',
          ],
          { change: true },
        );
        // The existing row has no subtitle: the migration stops before changing anything, and says why.
        await assert.rejects(
          inProject('alembic', ['upgrade', 'head']),
          /posts\.subtitle must hold a value, and 1 row\(s\) have none/,
        );
        await inProject('python', ['model_evolve.py', 'exec', "UPDATE posts SET subtitle = 'sub'"]);
        await migrateAndCheck();
        assert.deepEqual(await read('title', 'views', 'big', 'rating', 'subtitle'), {
          title: 'Hello',
          views: '0',
          big: String(2 ** 40),
          rating: '3.25',
          subtitle: 'sub',
        });
      });

      it('renames fields, references included, keeping their data', async () => {
        const { author_id: author } = await read('author_id');
        await model(['Post'], { rename: 'title:headline,slug:handle,author:writer' });
        await migrateAndCheck();
        assert.deepEqual(await read('headline', 'handle', 'writer_id'), {
          headline: 'Hello',
          handle: 'hello',
          writer_id: author,
        });
      });

      it('removes fields; downgrading restores the columns, then upgrading again reapplies every step', async () => {
        await model(['Post'], { remove: 'meta,body' });
        await migrateAndCheck();
        const now = await columns();
        assert.ok(!now.includes('meta') && !now.includes('body') && now.includes('headline'), now.join());
        await inProject('alembic', ['downgrade', '-3']);
        // Back before the changes: old names, and the removed columns with a placeholder in existing rows.
        assert.deepEqual(await read('title', 'slug', 'body', 'meta', 'rating'), {
          title: 'Hello',
          slug: 'hello',
          body: (await read('id')).id,
          meta: null,
          rating: '3.25',
        });
        await migrateAndCheck();
        assert.deepEqual(await read('headline', 'subtitle'), { headline: 'Hello', subtitle: 'sub' });
      });

      it('changes constraints and references: unique and index on and off, ondelete, foreign keys renamed and removed', async () => {
        await crud(
          [
            'Item',
            'code:str:max=20:unique:index',
            'label:str:max=30:unique',
            'owner:ref=User:optional:ondelete=set-null',
            'helper_id:int:optional:fk=users.id',
            'qty:int:index',
          ],
          { owner: 'none' },
        );
        await inProject('alembic', ['upgrade', 'head']);
        const steps: [string[], Record<string, unknown>][] = [
          [['code:str:max=20:index', 'label:str:max=30:unique:index', 'qty:int'], { change: true }],
          [['owner:ref=User:optional:ondelete=cascade'], { change: true }],
          [[], { rename: 'helper_id:assistant_id,owner:keeper,label:tag' }],
          [[], { remove: 'assistant_id,keeper' }],
        ];
        for (const [fields, options] of steps) {
          await model(['Item', ...fields], options);
          await inProject('alembic', ['upgrade', 'head']);
          assert.match(await inProject('alembic', ['check']), /No new upgrade operations detected/);
        }
        await inProject('alembic', ['downgrade', `-${steps.length}`]);
        await migrateAndCheck();
      });

      it('destroys a resource and its model: the table is dropped, down and up again', async () => {
        await crud(['Tag', 'name:str:max=40:unique', 'post:ref=Post:optional:ondelete=set-null']);
        await inProject('alembic', ['upgrade', 'head']);
        await crud(['Tag'], { destroy: true });
        await migrateAndCheck();
        assert.match(await inProject('alembic', ['history', '--rev-range=-1:']), /drop tags table/);
        await inProject('alembic', ['downgrade', '-1']);
        await migrateAndCheck();
      });

      it('adds a one-to-one resource (a unique reference, one object on both sides)', async () => {
        await crud(['Profile', 'bio:text', 'account:one=User:ondelete=cascade']);
        await migrateAndCheck();
      });

      it('links posts to labels many-to-many: both sides load, deletes take their links along; renames, unlinks', async () => {
        await crud(['Label', 'name:str:max=40:unique']);
        await model(['Post', 'labels:many=Label']);
        await migrateAndCheck();
        assert.match(await inProject('python', ['model_evolve.py', 'links']), /links ok/);
        await inProject('alembic', ['downgrade', '-1']);
        await migrateAndCheck();
        // Renamed: the relationship and its ids only; the table keeps its name, so the models still match.
        await model(['Post'], { rename: 'labels:marks' });
        assert.match(await inProject('alembic', ['check']), /No new upgrade operations detected/);
        // Unlinked: the association table is dropped, and comes back (empty) on downgrade.
        await model(['Post'], { remove: 'marks' });
        await migrateAndCheck();
        await inProject('alembic', ['downgrade', '-1']);
        await migrateAndCheck();
      });

      it('stays ruff, ruff-format and mypy --strict clean, and the generated tests pass', async () => {
        await inProject('ruff', ['check', '--no-cache', '--extend-exclude', 'model_*.py', '.']);
        await inProject('ruff', ['format', '--no-cache', '--check', '--extend-exclude', 'model_*.py', '.']);
        await inProject('mypy', ['--no-incremental']);
        await inProject('alembic', ['downgrade', 'base']);
        await passGeneratedTests(project!);
      });
    });
  }
}
