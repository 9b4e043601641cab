/**
 * The options the other specs leave at their defaults, end to end on every database: a --no-auth project with a
 * description of its own, and forge:crud resources made with --table, --no-timestamps and --prefix, with
 * --skip-tests, and with --skip-migration (whose migration `alembic revision --autogenerate` then writes, as the
 * README says). It migrates, matches its models, passes its own tests and linters, and serves each resource where
 * its options put it. Then forge:auth adds authentication: a migration on the head, still clean and tested, and
 * its resources need a signed-in user. Then forge:email adds email: no migration, still clean and tested.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DATABASES, type Orm } from '../../src/lib/config.js';
import { runGenerator } from '../support/generate.js';
import { call } from '../support/http.js';
import { FORGE_GENERATORS, generatorPath } from '../support/paths.js';
import {
  checkToolConfig,
  passGeneratedTests,
  prepareProject,
  withServer,
  type E2EProject,
} from '../support/project.js';
import { uv } from '../support/python.js';

/** Each database meets the other ORM than in the alphabetical first pick, so both ORMs meet the options. */
const ORM_OF: Record<(typeof DATABASES)[number], Orm> = {
  sqlite: 'sqlmodel',
  postgresql: 'sqlalchemy',
  mysql: 'sqlmodel',
};
const DESCRIPTION = 'Notes "and" labels \\ with quotes';

for (const database of DATABASES) {
  const orm = ORM_OF[database];
  describe(`e2e options: ${database} + ${orm} --no-auth, crud --table --no-timestamps --prefix --skip-tests --skip-migration`, function () {
    this.timeout(600_000);
    let project: E2EProject | undefined;
    const inProject = (command: string, args: string[]) => project!.run(command, args);
    const crud = (args: string[], options: Record<string, unknown>) =>
      runGenerator(generatorPath('crud'))
        .withGenerators(FORGE_GENERATORS)
        .cd(project!.root)
        .withArguments(args)
        .withOptions({ force: true, ...options });
    /** Run forge:`name` in the project; its install phase adds the new dependencies to .venv with uv, as a user who has it. */
    const runInstalling = async (name: string) => {
      const uvBin = await uv();
      const path = process.env['PATH'];
      if (uvBin !== 'uv') process.env['PATH'] = `${dirname(uvBin)}:${path}`;
      try {
        await runGenerator(generatorPath(name))
          .withGenerators(FORGE_GENERATORS)
          .cd(project!.root)
          .withOptions({ defaults: true, force: false, skipInstall: false });
      } finally {
        process.env['PATH'] = path;
      }
    };
    const migrations = () =>
      readdirSync(join(project!.root, 'alembic', 'versions')).filter((f) => f.endsWith('.py'));

    before(async function () {
      project = await prepareProject(this, database, orm, 'options', {
        auth: false,
        description: DESCRIPTION,
      });
    });

    after(async () => project?.cleanup());

    it('writes a resource per option, and --skip-migration leaves its migration to autogenerate', async () => {
      await crud(['Tag', 'label:str:max=40:unique', 'color:str:max=20:optional'], {
        table: 'labels',
        timestamps: false,
        prefix: '/blog/tags',
      });
      const before = migrations();
      await crud(['Memo', 'body:text', 'tag:ref=Tag:optional:ondelete=set-null'], {
        skipMigration: true,
        skipTests: true,
      });
      assert.deepEqual(migrations(), before, '--skip-migration wrote a migration');
      assert.equal(existsSync(join(project!.root, 'tests', 'api', 'test_memos.py')), false);
      await inProject('alembic', ['upgrade', 'head']);
      await inProject('alembic', ['revision', '--autogenerate', '-m', 'create memos table']);
      assert.equal(migrations().length, before.length + 1);
      await inProject('alembic', ['upgrade', 'head']);
      assert.match(await inProject('alembic', ['check']), /No new upgrade operations detected/);
      await inProject('alembic', ['downgrade', 'base']);
      await inProject('alembic', ['upgrade', 'head']);
    });

    it('keeps its description, passes its own tests, and is ruff and mypy --strict clean', async () => {
      assert.ok(
        readFileSync(join(project!.root, 'pyproject.toml'), 'utf8').includes('Notes \\"and\\" labels'),
      );
      await passGeneratedTests(project!);
      await checkToolConfig(project!);
      await inProject('ruff', ['check', '--no-cache', '.']);
      await inProject('ruff', ['format', '--no-cache', '--check', '.']);
      await inProject('mypy', ['--no-incremental']);
    });

    it('serves each resource where its options put it, with no sign-in', async () => {
      await withServer(project!, async (base) => {
        const openapi = (await (await fetch(`${base}/openapi.json`)).json()) as {
          info: { description: string };
        };
        assert.equal(openapi.info.description, DESCRIPTION);
        const tag = await call(base, 'POST', '/blog/tags', { json: { label: 'news' } });
        assert.equal(tag.status, 201, JSON.stringify(tag.json));
        // --no-timestamps: no created_at / updated_at.
        assert.deepEqual(Object.keys(tag.json).sort(), ['color', 'id', 'label']);
        assert.equal((await call(base, 'GET', '/labels')).status, 404);
        const memo = await call(base, 'POST', '/memos', {
          json: { body: 'Remember', tag_id: tag.json['id'] },
        });
        assert.equal(memo.status, 201, JSON.stringify(memo.json));
        // ondelete=set-null: the memo stays, its tag cleared.
        assert.equal((await call(base, 'DELETE', `/blog/tags/${tag.json['id']}`)).status, 204);
        assert.equal((await call(base, 'GET', `/memos/${memo.json['id']}`)).json['tag_id'], null);
      });
    });

    it('gains authentication with forge:auth: migrated on the head, clean, its resources now need a token', async () => {
      await runInstalling('auth');
      await inProject('alembic', ['upgrade', 'head']);
      assert.match(await inProject('alembic', ['check']), /No new upgrade operations detected/);
      await passGeneratedTests(project!);
      await inProject('ruff', ['check', '--no-cache', '.']);
      await inProject('ruff', ['format', '--no-cache', '--check', '.']);
      await inProject('mypy', ['--no-incremental']);
      await withServer(project!, async (base) => {
        assert.equal((await call(base, 'GET', '/memos')).status, 401);
        assert.equal((await call(base, 'GET', '/blog/tags')).status, 401);
        const ada = { username: 'ada', email: 'ada@example.com', password: 'analytical-1' };
        assert.equal((await call(base, 'POST', '/auth/register', { json: ada })).status, 201);
        const login = await call(base, 'POST', '/auth/login', {
          form: { username: ada.username, password: ada.password },
        });
        assert.equal(login.status, 200, JSON.stringify(login.json));
        const token = login.json['access_token'] as string;
        const memos = await call(base, 'GET', '/memos', { token });
        assert.equal(memos.status, 200, JSON.stringify(memos.json));
        assert.equal(memos.json['total'], 1, 'the rows written before authentication are kept');
      });
    });

    it('then gains email with forge:email: no migration, its dependencies installed, clean and tested', async () => {
      const before = migrations();
      await runInstalling('email');
      assert.deepEqual(migrations(), before);
      assert.match(await inProject('alembic', ['check']), /No new upgrade operations detected/);
      await passGeneratedTests(project!);
      await inProject('ruff', ['check', '--no-cache', '.']);
      await inProject('ruff', ['format', '--no-cache', '--check', '.']);
      await inProject('mypy', ['--no-incremental']);
      const output = await withServer(project!, async (base) => {
        const bob = { username: 'bob', email: 'bob@example.com', password: 'analytical-2' };
        const registered = await call(base, 'POST', '/auth/register', { json: bob });
        assert.equal(registered.status, 201);
        assert.equal(registered.json['is_verified'], false);
        const forgot = await call(base, 'POST', '/auth/forgot-password', { json: { email: bob.email } });
        assert.equal(forgot.status, 202);
      });
      assert.match(output, /Email not sent \(EMAIL_BACKEND=console\) to bob@example\.com/);
      assert.match(output, /\/reset-password\?token=\S+/);
    });
  });
}
