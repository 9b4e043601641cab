/**
 * forge:crud end to end, per database x ORM (projects with --email, --redis and --metrics, as the combinations: the email endpoints are fuzzed too, rate limits count in Redis), with the resources of issue 10's reports: posts (a unique title, a
 * decimal price, owned by their author: others may read, not change them; tagged many-to-many, and related to other posts), comments referencing posts (cascade,
 * --public) and events with every other field type (private to their host). Migrated; the generated tests pass, ruff and mypy --strict
 * are clean; under uvicorn every endpoint answers as documented (201 with Location, 200, 204, 404, 405, 409 that
 * names the field or the referencing rows, 413, 422 for input no database stores); and schemathesis, every check
 * and the stateful phase, finds no server error and no response that breaks the schema.
 */
import assert from 'node:assert/strict';
import { DATABASES, ORMS } from '../../src/lib/config.js';
import { generatedClientFlow } from '../support/client.js';
import { schemathesis } from '../support/fuzz.js';
import { runGenerator } from '../support/generate.js';
import { call as callApi } from '../support/http.js';
import { FORGE_GENERATORS, generatorPath } from '../support/paths.js';
import {
  createSuperuser,
  forgetRateLimits,
  passGeneratedTests,
  prepareProject,
  withServer,
  type E2EProject,
} from '../support/project.js';

const POST = [
  'Post',
  'title:str:max=200:unique',
  'body:text',
  'rating:int:optional',
  'price:decimal',
  'published:bool:default=false',
  'author:ref=User',
  'tags:many=Tag',
  'related:many=Post',
];
const TAG = ['Tag', 'name:str:max=40:unique'];
const COMMENT = ['Comment', 'body:text', 'post:ref=Post:ondelete=cascade'];
/** Every other field type. */
const EVENT = [
  'Event',
  'name:str:max=80',
  'starts_at:datetime',
  'day:date',
  'opens:time',
  'score:float',
  'big:bigint:optional',
  'token:uuid:default=random',
  'data:json:optional',
  'amount:decimal:precision=6:scale=3:optional',
  'host:ref=User:optional:ondelete=set-null',
];
const ROOT_PASSWORD = 'root-password';
/** One combination per ORM drives the API through a generated client. */
const CLIENT_COMBINATIONS = ['postgresql + sqlmodel', 'sqlite + sqlalchemy'];

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
        project = await prepareProject(this, database, orm, 'crud', {
          email: true,
          redis: true,
          metrics: true,
        });
      });

      after(async () => project?.cleanup());

      it('writes the resources, which migrate and match their models', async () => {
        // Posts are their authors' to change; events their hosts' only to see (--private).
        await crud(TAG);
        await crud(POST, { owner: 'author' });
        await crud(COMMENT, { public: true });
        await crud(EVENT, { owner: 'host', private: true });
        await inProject('alembic', ['upgrade', 'head']);
        assert.match(await inProject('alembic', ['check']), /No new upgrade operations detected/);
      });

      it('passes the generated test suite, ruff, ruff format and mypy --strict', async () => {
        await passGeneratedTests(project!);
        await inProject('ruff', ['check', '--no-cache', '.']);
        await inProject('ruff', ['format', '--no-cache', '--check', '.']);
        await inProject('mypy', ['--no-incremental']);
      });

      it('creates a superuser with the CLI', async () => {
        assert.match(await createSuperuser(project!, ROOT_PASSWORD), /Created superuser root/);
      });

      it('answers every endpoint over HTTP under uvicorn', async () => {
        await withServer(project!, async (base) => {
          const alice = { username: 'alice', email: 'alice@example.com', password: 's3cret-pass' };
          const user = await callApi(base, 'POST', '/auth/register', { json: alice });
          assert.equal(user.status, 201);
          const aliceId = user.json['id'] as number;
          const token = await logIn(base, alice.username, alice.password);
          const root = await logIn(base, 'root', ROOT_PASSWORD);
          const bob = { username: 'bob', email: 'bob@example.com', password: 'b0b-password' };
          assert.equal((await callApi(base, 'POST', '/auth/register', { json: bob })).status, 201);
          const bobToken = await logIn(base, bob.username, bob.password);
          const as = (who: string, method: string, path: string, json?: unknown) =>
            callApi(base, method, path, { json, token: who });
          // Comments were generated with --public; the other resources need a signed-in user.
          const call = (method: string, path: string, json?: unknown) =>
            callApi(base, method, path, { json, token: path.startsWith('/comments') ? undefined : token });
          assert.equal((await callApi(base, 'GET', '/posts')).status, 401);
          assert.equal((await callApi(base, 'GET', '/comments')).status, 200);

          const post = { title: 'Hello', body: 'First post', price: '9.99' };
          const created = await call('POST', '/posts', post);
          assert.equal(created.status, 201, JSON.stringify(created.json));
          // The author is the signed-in user (--owner author).
          const { title, price, author_id } = created.json;
          assert.deepEqual([title, price, author_id], ['Hello', '9.99', aliceId]);
          const id = created.json['id'] as number;
          assert.equal(created.headers.get('location'), `${base}/api/v1/posts/${id}`);

          const duplicate = await call('POST', '/posts', post);
          assert.equal(duplicate.status, 409);
          assert.match(String(duplicate.json['detail']), /title is already taken/);
          const orphan = await call('POST', '/comments', { body: 'Lost', post_id: 999999 });
          assert.equal(orphan.status, 409);
          assert.match(String(orphan.json['detail']), /post_id references a posts row that does not exist/);
          for (const bad of [
            { ...post, title: 'x'.repeat(201) },
            { ...post, title: 'a\u0000b' },
            { ...post, price: '1.001' },
            // Nobody chooses a post's author, nor sends a field the API does not know.
            { ...post, author_id: aliceId },
            { ...post, colour: 'red' },
            { ...post, published: 0 },
            { title: 'No body' },
          ]) {
            assert.equal((await call('POST', '/posts', bad)).status, 422, JSON.stringify(bad));
          }
          const nan = await callApi(base, 'POST', '/posts', { raw: '{"title": "t", "rating": NaN}', token });
          assert.equal(nan.status, 422);

          const list = await call('GET', '/posts?skip=0&limit=100');
          assert.equal(list.status, 200);
          assert.deepEqual([list.json['total'], list.json['skip'], list.json['limit']], [1, 0, 100]);
          for (const query of ['limit=0', 'limit=101', 'skip=-1', `skip=${2 ** 31}`]) {
            assert.equal((await call('GET', `/posts?${query}`)).status, 422, query);
          }
          assert.equal((await call('GET', `/posts/${id}`)).json['body'], 'First post');
          assert.equal((await call('GET', '/posts/999999')).status, 404);
          for (const outOfRange of [0, 2 ** 31, 10 ** 30]) {
            assert.equal((await call('GET', `/posts/${outOfRange}`)).status, 422);
          }
          const wrongMethod = await call('PUT', '/posts');
          assert.deepEqual([wrongMethod.status, wrongMethod.headers.get('allow')], [405, 'GET, POST']);

          const patched = await call('PATCH', `/posts/${id}`, { body: 'Edited' });
          assert.equal(patched.status, 200);
          assert.deepEqual([patched.json['title'], patched.json['body']], ['Hello', 'Edited']);
          assert.equal((await call('PATCH', `/posts/${id}`, { title: null })).status, 422);
          assert.equal((await call('PATCH', '/posts/999999', { body: 'x' })).status, 404);
          assert.equal((await call('PATCH', `/posts/${id}`, { author_id: aliceId })).status, 422);

          // Another user reads the post but may not change or delete it; a superuser may.
          assert.equal((await as(bobToken, 'GET', `/posts/${id}`)).status, 200);
          const taken = await as(bobToken, 'PATCH', `/posts/${id}`, { body: 'Mine now' });
          assert.equal(taken.status, 403);
          assert.match(
            String(taken.json['detail']),
            /belongs to another user: only its author or a superuser/,
          );
          assert.equal((await as(bobToken, 'DELETE', `/posts/${id}`)).status, 403);
          const moderated = await as(root, 'PATCH', `/posts/${id}`, { body: 'Moderated' });
          assert.deepEqual([moderated.status, moderated.json['author_id']], [200, aliceId]);

          // Tags are linked to posts many-to-many by their ids: an update replaces the set, an id that
          // matches no tag is a 409, a deleted tag leaves every post's set, include=tags embeds them.
          const tagIds: number[] = [];
          for (const name of ['news', 'tech']) {
            const tag = await call('POST', '/tags', { name });
            assert.equal(tag.status, 201, JSON.stringify(tag.json));
            tagIds.push(tag.json['id'] as number);
          }
          const [news, tech] = tagIds as [number, number];
          const tagged = await call('PATCH', `/posts/${id}`, { tag_ids: [tech, news, tech] });
          assert.deepEqual([tagged.status, tagged.json['tag_ids']], [200, [news, tech]]);
          const unknownTag = await call('PATCH', `/posts/${id}`, { tag_ids: [news, 999999] });
          assert.equal(unknownTag.status, 409);
          assert.match(
            String(unknownTag.json['detail']),
            /tag_ids references tags rows that do not exist: 999999/,
          );
          const included = await call('GET', '/posts?include=tags,author');
          const listed = (included.json['items'] as Record<string, unknown>[]).find(
            (row) => row['id'] === id,
          )!;
          const names = (listed['tags'] as { name: string }[]).map((tag) => tag.name).sort();
          assert.deepEqual(
            [names, listed['tag_ids']],
            [
              ['news', 'tech'],
              [news, tech],
            ],
          );
          assert.equal((await call('DELETE', `/tags/${news}`)).status, 204);
          assert.deepEqual((await call('GET', `/posts/${id}`)).json['tag_ids'], [tech]);
          // Posts link to posts (a link from a model to itself): a second post lists the first as related.
          const sequel = await call('POST', '/posts', { ...post, title: 'Sequel', related_ids: [id] });
          assert.deepEqual([sequel.status, sequel.json['related_ids']], [201, [id]]);
          assert.equal((await call('DELETE', `/posts/${sequel.json['id']}`)).status, 204);

          // A comment goes with its post (ondelete=cascade).
          const comment = await call('POST', '/comments', { body: 'Nice', post_id: id });
          assert.equal(comment.status, 201, JSON.stringify(comment.json));
          assert.equal((await call('DELETE', `/posts/${id}`)).status, 204);
          assert.equal((await call('GET', `/comments/${comment.json['id']}`)).status, 404);
          assert.equal((await call('DELETE', `/posts/${id}`)).status, 404);

          // A user is not deleted while posts reference it, and the 409 says which.
          assert.equal((await call('POST', '/posts', { ...post, title: 'Kept' })).status, 201);
          const referenced = await callApi(base, 'DELETE', `/users/${aliceId}`, { token: root });
          assert.equal(referenced.status, 409);
          assert.match(String(referenced.json['detail']), /still referenced by posts\.author_id/);

          // Every other type: values converted to what every database stores, the rest refused.
          const event = {
            name: 'Launch',
            starts_at: '2024-05-01T10:00:00+02:00',
            day: '2024-05-01',
            opens: '09:30:00+02:00',
            score: 1.5,
            data: { a: [1, { b: null }], c: 'd' },
            amount: 1.2345,
          };
          const launched = await call('POST', '/events', event);
          assert.equal(launched.status, 201, JSON.stringify(launched.json));
          assert.equal(launched.json['host_id'], aliceId);
          // Events are private to their host (and superusers): to anyone else they do not exist.
          const eventUrl = `/events/${launched.json['id']}`;
          for (const [method, body] of [['GET'], ['PATCH', {}], ['DELETE']] as const) {
            assert.equal((await as(bobToken, method, eventUrl, body)).status, 404, method);
          }
          const bobs = await as(bobToken, 'GET', '/events');
          assert.deepEqual([bobs.json['items'], bobs.json['total']], [[], 0]);
          assert.equal((await call('GET', '/events')).json['total'], 1);
          assert.equal((await as(root, 'GET', eventUrl)).status, 200);
          const { starts_at, opens, amount, data } = launched.json;
          assert.deepEqual(
            [starts_at, opens, amount, data],
            ['2024-05-01T08:00:00Z', '07:30:00Z', '1.234', event.data],
          );
          for (const bad of [
            { ...event, starts_at: '2024-05-01T10:00:00' },
            { ...event, day: 20240501 },
            { ...event, big: 2 ** 64 },
            { ...event, amount: '1.2345' },
            { ...event, data: { deep: JSON.parse('['.repeat(40) + ']'.repeat(40)) as unknown } },
            { ...event, data: { 'a\u0000': 1 } },
          ]) {
            assert.equal((await call('POST', '/events', bad)).status, 422, JSON.stringify(bad).slice(0, 80));
          }
          const tooLarge = await callApi(base, 'POST', '/events', { raw: `"${'x'.repeat(2 ** 20)}"`, token });
          assert.equal(tooLarge.status, 413);
        });
      });

      it('lists with filters, search, sort and a cursor that returns every row once, in order', async () => {
        await withServer(project!, async (base) => {
          const token = await logIn(base, 'alice', 's3cret-pass');
          const list = (params: Record<string, string | string[]>, path = '/posts') => {
            const query = new URLSearchParams();
            for (const [key, value] of Object.entries(params)) {
              for (const item of [value].flat()) query.append(key, item);
            }
            return callApi(base, 'GET', `${path}?${query}`, { token });
          };
          // The rows of this test only (the earlier one left a post), through one more filter.
          const total = async (params: Record<string, string | string[]>) => {
            const response = await list({ title__icontains: 'row', ...params });
            assert.equal(response.status, 200, `${JSON.stringify(params)}: ${JSON.stringify(response.json)}`);
            return response.json['total'] as number;
          };
          interface Row {
            id: number;
            title: string;
            rating: number | null;
            price: string;
            published: boolean;
          }
          const rows: Row[] = [];
          for (let i = 0; i < 250; i++) {
            const post = {
              title: `Row ${String(i).padStart(3, '0')} ${i % 7 === 0 ? 'Ærø' : 'plain'}`,
              body: i % 11 === 0 ? '100% sure' : 'b',
              rating: i % 5 === 0 ? null : i % 10,
              price: `${i % 13}.50`,
              published: i % 2 === 0,
            };
            const created = await callApi(base, 'POST', '/posts', { json: post, token });
            assert.equal(created.status, 201, JSON.stringify(created.json));
            rows.push(created.json as unknown as Row);
          }
          const count = (keep: (row: Row) => boolean) => rows.filter(keep).length;
          const rated = (row: Row) => row.rating;

          // Each kind of filter, in the offset form with its total.
          assert.equal(
            await total({ rating__isnull: 'true' }),
            count((r) => rated(r) === null),
          );
          assert.equal(
            await total({ rating__gte: '3', rating__lte: '5' }),
            count((r) => (rated(r) ?? -1) >= 3 && (rated(r) ?? 9) <= 5),
          );
          const anyOf = count((r) => [1, 2].includes(rated(r) ?? -1));
          assert.equal(await total({ rating__in: '1,2' }), anyOf);
          assert.equal(await total({ rating__in: ['1', '2'] }), anyOf);
          // 5.001 is rounded up to the column's 2 places: prices from 5.01.
          assert.equal(
            await total({ price__gte: '5.001' }),
            count((r) => Number(r.price) >= 5.01),
          );
          assert.equal(
            await total({ price: '5.5' }),
            count((r) => r.price === '5.50'),
          );
          assert.equal(
            await total({ published: 'true', title__icontains: 'row' }),
            count((r) => r.published),
          );
          assert.equal(await total({ title__in: 'Row 001 plain,Row 002 plain' }), 2);
          assert.equal(await total({ title: 'Row 003 plain' }), 1);
          // Search: any text field, in any case, beyond ASCII; % is a character, not a pattern.
          assert.equal(
            await total({ q: 'ærø' }),
            count((r) => r.title.includes('Ærø')),
          );
          assert.equal(await total({ q: '100%' }), rows.filter((_, i) => i % 11 === 0).length);
          assert.equal(await total({ q: 'o%' }), 0);
          const launch = await list({ starts_at__gte: '2024-05-01T10:00:00+02:00' }, '/events');
          assert.equal(launch.json['total'], 1, JSON.stringify(launch.json));

          // Refused with a 422, never ignored.
          const refused: Record<string, string>[] = [
            { colour: 'red' },
            { rating__gte: 'abc' },
            { rating__in: Array.from({ length: 101 }, (_, i) => String(i)).join(',') },
            { price__gte: 'NaN' },
            { title: 'a\u0000b' },
            { starts_at__gte: '2024-05-01T10:00:00' },
            { sort: 'body' },
          ];
          for (const params of refused) {
            const path = 'starts_at__gte' in params ? '/events' : '/posts';
            assert.equal((await list(params, path)).status, 422, JSON.stringify(params));
          }
          const unknownSort = await list({ sort: 'colour' });
          assert.match(
            JSON.stringify(unknownSort.json),
            /cannot sort by 'colour': sort by id, title, rating/,
          );

          // A cursor walk returns every row exactly once, in the order of the sort (null after every
          // value, so first when descending; ties by id).
          const walk = async (params: Record<string, string>, limit: number) => {
            const ids: number[] = [];
            let cursor: string | undefined;
            do {
              const page = await list({ ...params, limit: String(limit), ...(cursor ? { cursor } : {}) });
              assert.equal(page.status, 200, JSON.stringify(page.json));
              ids.push(...(page.json['items'] as Row[]).map((row) => row.id));
              cursor = (page.json['next_cursor'] as string | null) ?? undefined;
            } while (cursor);
            return ids;
          };
          const byRatingDescThenTitle = [...rows].sort((a, b) => {
            const [x, y] = [rated(a) ?? Infinity, rated(b) ?? Infinity];
            return y - x || (a.title < b.title ? -1 : a.title > b.title ? 1 : 0) || a.id - b.id;
          });
          const walked = await walk({ sort: '-rating,title', title__icontains: 'row' }, 9);
          assert.equal(new Set(walked).size, 250);
          assert.deepEqual(
            walked,
            byRatingDescThenTitle.map((row) => row.id),
          );
          const byPrice = [...rows].sort((a, b) => Number(a.price) - Number(b.price) || b.id - a.id);
          const walkedByPrice = await walk({ sort: 'price,-id', title__icontains: 'row' }, 7);
          assert.deepEqual(
            walkedByPrice,
            byPrice.map((row) => row.id),
          );
          // include=author embeds the author's public part, loaded with the page; a bad include is a 422.
          const included = await list({ include: 'author', title__icontains: 'row', limit: '5' });
          const first = (included.json['items'] as Record<string, unknown>[])[0]!;
          assert.deepEqual(first['author'], { id: first['author_id'], username: 'alice' });
          assert.equal((await list({ include: 'comments' })).status, 422);
          const byRating = [...rows].sort(
            (a, b) => (rated(a) ?? Infinity) - (rated(b) ?? Infinity) || a.id - b.id,
          );
          assert.deepEqual(
            await walk({ sort: 'rating', title__icontains: 'row' }, 50),
            byRating.map((row) => row.id),
          );
        });
      });

      it('survives schemathesis: no server error, no response that breaks the schema', async () => {
        let output = '';
        await withServer(project!, async (base) => {
          const token = await logIn(base, 'root', ROOT_PASSWORD);
          await seed(base, token);
          const result = await schemathesis(base, token, project!.root);
          output = result.output;
          assert.equal(result.status, 0, output);
        });
        // No failure of any check. Two warnings may come, each about its operations only:
        // - missing test data: a session's id is a random UUID and the run's own calls of POST /auth/logout-all end
        //   the bearer's sessions, so DELETE /users/me/sessions/{id} can only answer 404 (the generated tests and
        //   the HTTP flow above sign real sessions out);
        // - a schema validation mismatch: a generated token is never a valid email link, and the documented 400
        //   (accepted by schemathesis_hooks.py) is all the email-link operations answer it (the generated tests
        //   and the combinations' HTTP flow use real links).
        assert.match(output, /Test cases:\n\s+(\d+) generated, \1 passed\n/, output);
        assert.doesNotMatch(output, /=+ FAILURES =+/, output);
        const warnings = /=+ WARNINGS =+\n([\s\S]*?)\n=+ /.exec(output)?.[1] ?? '';
        const allowed: Record<string, string[]> = {
          'Missing test data': ['DELETE /api/v1/users/me/sessions/{session_id}'],
          'Schema validation mismatch': [
            'POST /api/v1/auth/reset-password',
            'POST /api/v1/auth/verify-email',
          ],
        };
        const unexpected = warnings.split(/\n(?=\S)/).flatMap((block) => {
          const kind = block.split(':')[0]!.trim();
          const operations = [...block.matchAll(/^ {2}- (.+)$/gm)].map((match) => match[1]!);
          return operations.filter((operation) => !(allowed[kind] ?? []).includes(operation));
        });
        assert.deepEqual(unexpected, [], output);
        assert.equal(/^Warnings:/m.test(output), warnings.trim() !== '', output);
        // Every operation of the schema was tested.
        const total = /Selected: \d+\/(\d+)/.exec(output)?.[1];
        assert.equal(/Tested: +(\d+)/.exec(output)?.[1], total, output);
      });

      if (CLIENT_COMBINATIONS.includes(`${database} + ${orm}`)) {
        it('works through a client openapi-python-client generates: functions named by the operation ids', async () => {
          // schemathesis spent the hour's registrations from 127.0.0.1, counted in Redis.
          await forgetRateLimits(project!);
          await withServer(project!, async (base) => {
            assert.match(await generatedClientFlow(base), /client flow: .*: ok/);
          });
        });
      }

      it('forge:model adding a field renders the resource again: migrated, its filter answers, still clean', async () => {
        await runGenerator(generatorPath('model'))
          .withGenerators(FORGE_GENERATORS)
          .cd(project!.root)
          .withArguments(['Post', 'views:int:default=0'])
          .withOptions({ force: true });
        await inProject('alembic', ['upgrade', 'head']);
        assert.match(await inProject('alembic', ['check']), /No new upgrade operations detected/);
        await inProject('ruff', ['check', '--no-cache', '.']);
        await inProject('ruff', ['format', '--no-cache', '--check', '.']);
        await inProject('mypy', ['--no-incremental']);
        await inProject('python', [
          '-m',
          'pytest',
          '-q',
          '-p',
          'no:cacheprovider',
          'tests/api/test_posts.py',
        ]);
        await forgetRateLimits(project!);
        await withServer(project!, async (base) => {
          // A user of its own: schemathesis, as a superuser, may have renamed or changed the earlier ones.
          const dora = { username: 'dora', email: 'dora@example.com', password: 'd0ra-password' };
          const registered = await callApi(base, 'POST', '/auth/register', { json: dora });
          assert.equal(registered.status, 201, JSON.stringify(registered.json));
          const token = await logIn(base, dora.username, dora.password);
          const all = await callApi(base, 'GET', '/posts?views__gte=0', { token });
          assert.equal(all.status, 200, JSON.stringify(all.json));
          assert.ok((all.json['total'] as number) > 250);
          assert.equal((await callApi(base, 'GET', '/posts?views=1', { token })).json['total'], 0);
        });
      });
    });
  }
}

async function logIn(base: string, username: string, password: string): Promise<string> {
  const login = await callApi(base, 'POST', '/auth/login', { form: { username, password } });
  assert.equal(login.status, 200, JSON.stringify(login.json));
  return login.json['access_token'] as string;
}

/**
 * Rows for the fuzzer to find: users (authors), posts and comments, so that the operations on one row by id
 * also answer 200 and 204, not only 404.
 */
async function seed(base: string, token: string): Promise<void> {
  for (let n = 0; n < 20; n++) {
    const author = { username: `author${n}`, email: `author${n}@example.com`, password: 'seed-password-1' };
    assert.equal((await callApi(base, 'POST', '/users', { json: author, token })).status, 201);
    const post = { title: `Post ${n}`, body: 'b', price: '1.50' };
    const created = await callApi(base, 'POST', '/posts', { json: post, token });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const comment = { body: 'c', post_id: created.json['id'] };
    assert.equal((await callApi(base, 'POST', '/comments', { json: comment })).status, 201);
  }
}
