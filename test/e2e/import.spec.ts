/**
 * forge:import end to end, per database x ORM: examples/blog.yml (tags, posts owned by their authors and tagged
 * many-to-many, comments, a one-to-one profile) imported into a new project in one migration; a post written over
 * HTTP; then an edited copy imported (a field renamed, one removed, one added, a field made longer, a relation to a
 * model defined later in the file): one more migration, the post keeps its values, down and up again, the API
 * serves the new shape; ruff, mypy --strict and the generated tests pass.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DATABASES, ORMS } from '../../src/lib/config.js';
import { runGenerator } from '../support/generate.js';
import { call } from '../support/http.js';
import { FORGE_GENERATORS, generatorPath, REPO_ROOT } from '../support/paths.js';
import { passGeneratedTests, prepareProject, withServer, type E2EProject } from '../support/project.js';

const BLOG = join(REPO_ROOT, 'examples', 'blog.yml');
const EDITED = join(import.meta.dirname, 'fixtures', 'blog-edited.yml');
const ALICE = { username: 'alice', email: 'alice@example.com', password: 's3cret-pass' };

for (const database of DATABASES) {
  for (const orm of ORMS) {
    describe(`e2e forge:import: ${database} + ${orm}`, function () {
      this.timeout(600_000);
      let project: E2EProject | undefined;
      let postId = 0;
      const inProject = (command: string, args: string[]) => project!.run(command, args);
      const importFile = (file: string) =>
        runGenerator(generatorPath('import'))
          .withGenerators(FORGE_GENERATORS)
          .cd(project!.root)
          .withArguments([file]);
      const migrateAndCheck = async () => {
        await inProject('alembic', ['upgrade', 'head']);
        assert.match(await inProject('alembic', ['check']), /No new upgrade operations detected/);
      };
      const logIn = async (base: string) => {
        const login = await call(base, 'POST', '/auth/login', {
          form: { username: ALICE.username, password: ALICE.password },
        });
        assert.equal(login.status, 200, JSON.stringify(login.json));
        return login.json['access_token'] as string;
      };

      before(async function () {
        project = await prepareProject(this, database, orm, 'import');
      });

      after(async () => project?.cleanup());

      it('imports examples/blog.yml in one migration that upgrades, checks clean, and downgrades', async () => {
        await importFile(BLOG);
        const history = await inProject('alembic', ['history', '--rev-range=-1:']);
        assert.match(history, /import blog\.yml/);
        await migrateAndCheck();
        await inProject('alembic', ['downgrade', '-1']);
        await migrateAndCheck();
      });

      it('serves the imported resources: a tagged post, its comment, a profile', async () => {
        await withServer(project!, async (base) => {
          assert.equal((await call(base, 'POST', '/auth/register', { json: ALICE })).status, 201);
          const token = await logIn(base);
          const tag = await call(base, 'POST', '/tags', { json: { name: 'news' }, token });
          assert.equal(tag.status, 201, JSON.stringify(tag.json));
          const post = await call(base, 'POST', '/posts', {
            json: { title: 'Hello', body: 'First post', tag_ids: [tag.json['id']] },
            token,
          });
          assert.equal(post.status, 201, JSON.stringify(post.json));
          postId = post.json['id'] as number;
          const comment = await call(base, 'POST', '/comments', {
            json: { body: 'Nice', post_id: postId },
            token,
          });
          assert.equal(comment.status, 201, JSON.stringify(comment.json));
          const profile = await call(base, 'POST', '/profiles', {
            json: { bio: 'Writes', account_id: post.json['author_id'] },
            token,
          });
          assert.equal(profile.status, 201, JSON.stringify(profile.json));
        });
      });

      it('imports the edited file: the difference only, in one more migration; the post keeps its values', async () => {
        await importFile(EDITED);
        const history = await inProject('alembic', ['history', '--rev-range=-1:']);
        assert.match(history, /import blog-edited\.yml/);
        await migrateAndCheck();
        await inProject('alembic', ['downgrade', '-1']);
        await migrateAndCheck();
        await withServer(project!, async (base) => {
          const token = await logIn(base);
          const post = await call(base, 'GET', `/posts/${postId}`, { token });
          assert.equal(post.status, 200, JSON.stringify(post.json));
          // body renamed to content (its value kept), published removed, views added with its default.
          const { title, content, views, series_id } = post.json;
          assert.deepEqual([title, content, views, series_id], ['Hello', 'First post', 0, null]);
          assert.equal('published' in post.json, false);
          const series = await call(base, 'POST', '/series', { json: { name: 'Basics' }, token });
          assert.equal(series.status, 201, JSON.stringify(series.json));
          const moved = await call(base, 'PATCH', `/posts/${postId}`, {
            json: { series_id: series.json['id'], views: 3 },
            token,
          });
          assert.deepEqual(
            [moved.status, moved.json['series_id'], moved.json['views']],
            [200, series.json['id'], 3],
          );
          const old = await call(base, 'POST', '/posts', {
            json: { title: 'Old', body: 'x', published: true },
            token,
          });
          assert.equal(old.status, 422, JSON.stringify(old.json));
          const longer = await call(base, 'POST', '/tags', { json: { name: 'x'.repeat(60) }, token });
          assert.equal(longer.status, 201, JSON.stringify(longer.json));
        });
      });

      it('imports the same file again: nothing changes', async () => {
        const result = await importFile(EDITED);
        assert.match(JSON.stringify(result.getSnapshot()), /^\{\}$/);
      });

      it('stays ruff, ruff-format and mypy --strict clean, and the generated tests pass', async () => {
        await inProject('ruff', ['check', '--no-cache', '.']);
        await inProject('ruff', ['format', '--no-cache', '--check', '.']);
        await inProject('mypy', ['--no-incremental']);
        await passGeneratedTests(project!);
      });
    });
  }
}
