/**
 * forge:crud end to end, per database x ORM: a Post resource (a unique field, a foreign key to users) and a Comment
 * resource referencing it (--public), migrated; the generated tests pass, ruff and mypy --strict are clean, and under
 * uvicorn every endpoint answers as documented, posts only to a signed-in user: 201, 200, 204, 404, 409 (duplicate, missing and still-referenced rows),
 * 422 (bad input, pagination bounds).
 */
import assert from 'node:assert/strict';
import { DATABASES, ORMS } from '../../src/lib/config.js';
import { runGenerator } from '../support/generate.js';
import { call as callApi } from '../support/http.js';
import { FORGE_GENERATORS, generatorPath } from '../support/paths.js';
import { prepareProject, withServer, type E2EProject } from '../support/project.js';

const POST = ['Post', 'title:str:max=200:unique', 'content:text', 'author_id:int:fk=users.id'];
const COMMENT = ['Comment', 'body:text', 'post:ref=Post'];

for (const database of DATABASES) {
  for (const orm of ORMS) {
    describe(`e2e forge:crud: ${database} + ${orm}`, function () {
      this.timeout(600_000);
      let project: E2EProject | undefined;
      const inProject = (command: string, args: string[]) => project!.run(command, args);
      const crud = (args: string[], options: Record<string, unknown> = {}) =>
        runGenerator(generatorPath('crud'))
          .withGenerators(FORGE_GENERATORS)
          .cd(project!.root)
          .withArguments(args)
          .withOptions({ force: true, ...options });

      before(async function () {
        project = await prepareProject(this, database, orm, 'crud');
      });

      after(async () => project?.cleanup());

      it('writes Post and Comment resources that migrate and match their models', async () => {
        await crud(POST);
        await crud(COMMENT, { public: true });
        await inProject('alembic', ['upgrade', 'head']);
        assert.match(await inProject('alembic', ['check']), /No new upgrade operations detected/);
      });

      it('passes the generated test suite, ruff, ruff format and mypy --strict', async () => {
        const output = await inProject('python', ['-m', 'pytest', '-q', '-p', 'no:cacheprovider']);
        assert.match(output, /\d+ passed/);
        assert.doesNotMatch(output, /skipped|failed|error/i);
        await inProject('ruff', ['check', '--no-cache', '.']);
        await inProject('ruff', ['format', '--no-cache', '--check', '.']);
        await inProject('mypy', ['--no-incremental']);
      });

      it('answers every endpoint over HTTP under uvicorn', async () => {
        await withServer(project!, async (base) => {
          const alice = { username: 'alice', email: 'alice@example.com', password: 's3cret-pass' };
          const user = await callApi(base, 'POST', '/auth/register', { json: alice });
          assert.equal(user.status, 201);
          const form = { username: alice.username, password: alice.password };
          const token = (await callApi(base, 'POST', '/auth/login', { form })).json['access_token'] as string;
          // Posts need a signed-in user; comments were generated with --public.
          const call = (method: string, path: string, json?: unknown) =>
            callApi(base, method, path, { json, token: path.startsWith('/posts') ? token : undefined });
          assert.equal((await callApi(base, 'GET', '/posts')).status, 401);
          assert.equal((await callApi(base, 'GET', '/comments')).status, 200);
          const post = { title: 'Hello', content: 'First post', author_id: user.json['id'] };
          const created = await call('POST', '/posts', post);
          assert.equal(created.status, 201, JSON.stringify(created.json));
          assert.equal(created.json['title'], 'Hello');
          const id = created.json['id'] as number;

          const duplicate = await call('POST', '/posts', post);
          assert.equal(duplicate.status, 409);
          assert.match(String(duplicate.json['detail']), /title is already taken/);
          const orphan = await call('POST', '/posts', { ...post, title: 'Other', author_id: 999999 });
          assert.equal(orphan.status, 409);
          assert.match(String(orphan.json['detail']), /author_id references a row that does not exist/);
          assert.equal((await call('POST', '/posts', { ...post, title: 'x'.repeat(201) })).status, 422);
          assert.equal((await call('POST', '/posts', { title: 'No content' })).status, 422);

          const list = await call('GET', '/posts?skip=0&limit=100');
          assert.equal(list.status, 200);
          assert.deepEqual([list.json['total'], list.json['skip'], list.json['limit']], [1, 0, 100]);
          for (const query of ['limit=0', 'limit=101', 'skip=-1']) {
            assert.equal((await call('GET', `/posts?${query}`)).status, 422, query);
          }
          assert.equal((await call('GET', `/posts/${id}`)).json['content'], 'First post');
          assert.equal((await call('GET', '/posts/999999')).status, 404);

          const patched = await call('PATCH', `/posts/${id}`, { content: 'Edited' });
          assert.equal(patched.status, 200);
          assert.deepEqual([patched.json['title'], patched.json['content']], ['Hello', 'Edited']);
          assert.equal((await call('PATCH', `/posts/${id}`, { title: null })).status, 422);
          assert.equal((await call('PATCH', '/posts/999999', { content: 'x' })).status, 404);

          const comment = await call('POST', '/comments', { body: 'Nice', post_id: id });
          assert.equal(comment.status, 201, JSON.stringify(comment.json));
          const referenced = await call('DELETE', `/posts/${id}`);
          assert.equal(referenced.status, 409);
          assert.match(String(referenced.json['detail']), /still referenced/);
          assert.equal((await call('DELETE', `/comments/${comment.json['id']}`)).status, 204);
          assert.equal((await call('DELETE', `/posts/${id}`)).status, 204);
          assert.equal((await call('GET', `/posts/${id}`)).status, 404);
          assert.equal((await call('DELETE', `/posts/${id}`)).status, 404);
        });
      });
    });
  }
}
