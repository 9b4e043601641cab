/**
 * Database round trips per request, on PostgreSQL and both ORMs: a generated --no-auth project with a resource
 * (and a reference to users, for `include`) is served through a proxy that counts the wire protocol's round
 * trips (test/support/pg-counter.ts). Each endpoint must cost exactly what its queries need, pool checkout and
 * return included: a pre-ping, a transaction around reads, a SELECT after a write or a count that the page
 * already tells would each fail here. Counts, not timings: `npm run bench` measures the speed.
 */
import assert from 'node:assert/strict';
import { ORMS } from '../../src/lib/config.js';
import { startPgCounter, type PgCounter } from '../support/pg-counter.js';
import { runGenerator } from '../support/generate.js';
import { FORGE_GENERATORS, generatorPath } from '../support/paths.js';
import { prepareProject, withServer, type E2EProject } from '../support/project.js';

const POSTS = '/api/v1/posts';
/** More rows than a page of 20, so that the offset form has to count. */
const ROWS = 25;

/**
 * Expected round trips. Reads run without a transaction (autocommit): one per statement. Writes: BEGIN, their
 * statements, COMMIT; the INSERT and UPDATE need no SELECT after them. Issue 13's bounds: 3 for a GET, 4 for a
 * POST.
 */
const EXPECTED: {
  name: string;
  method: string;
  path: (id: number, cursor: string) => string;
  trips: number;
}[] = [
  { name: 'GET one', method: 'GET', path: (id) => `${POSTS}/${id}`, trips: 1 },
  {
    name: 'list of 20 with its total (page, count)',
    method: 'GET',
    path: () => `${POSTS}?limit=20`,
    trips: 2,
  },
  {
    name: 'last page: its total needs no count',
    method: 'GET',
    path: () => `${POSTS}?limit=20&skip=20`,
    trips: 1,
  },
  {
    name: 'list of 20 by cursor',
    method: 'GET',
    path: (_, cursor) => `${POSTS}?limit=20&cursor=${cursor}`,
    trips: 1,
  },
  {
    name: 'list of 20 with the authors included (page joined with its authors, count)',
    method: 'GET',
    path: () => `${POSTS}?limit=20&include=author`,
    trips: 2,
  },
  { name: 'POST (BEGIN, INSERT ... RETURNING, COMMIT)', method: 'POST', path: () => POSTS, trips: 3 },
  {
    name: 'PATCH (BEGIN, SELECT, UPDATE, COMMIT)',
    method: 'PATCH',
    path: (id) => `${POSTS}/${id}`,
    trips: 4,
  },
  { name: 'DELETE (BEGIN, DELETE, COMMIT)', method: 'DELETE', path: (id) => `${POSTS}/${id}`, trips: 3 },
];

for (const orm of ORMS) {
  describe(`e2e round trips per request: postgresql + ${orm}`, function () {
    this.timeout(600_000);
    let project: E2EProject | undefined;
    let counter: PgCounter | undefined;

    before(async function () {
      project = await prepareProject(this, 'postgresql', orm, 'trips', { auth: false });
      await runGenerator(generatorPath('crud'))
        .withGenerators(FORGE_GENERATORS)
        .cd(project.root)
        .withArguments([
          'Post',
          'title:str:max=200',
          'body:text',
          'published:bool:default=false',
          'author:ref=User',
        ])
        .withOptions({ force: true, defaults: true });
      await project.run('alembic', ['upgrade', 'head']);
      counter = await startPgCounter();
    });

    after(async () => {
      await counter?.close();
      await project?.cleanup();
    });

    it('costs each endpoint the round trips its queries need, and no more', async () => {
      const url = new URL(project!.env['DATABASE_URL']!);
      url.port = String(counter!.port);
      const env = { ...project!.env, DATABASE_URL: url.toString() };
      await withServer(
        project!,
        async (base) => {
          const send = async (method: string, path: string, body?: unknown) => {
            const response = await fetch(`${base}${path}`, {
              method,
              headers: body === undefined ? {} : { 'content-type': 'application/json' },
              body: body === undefined ? undefined : JSON.stringify(body),
            });
            const text = await response.text();
            assert.ok(response.status < 300, `${method} ${path}: ${response.status} ${text}`);
            return text ? (JSON.parse(text) as Record<string, unknown>) : {};
          };
          const author = await send('POST', '/api/v1/users', {
            username: 'author',
            email: 'author@example.com',
            password: 'a-long-password',
          });
          const post = (n: number) => ({ title: `Post ${n}`, body: 'Body', author_id: author['id'] });
          const ids: number[] = [];
          for (let n = 0; n < ROWS; n++) ids.push((await send('POST', POSTS, post(n)))['id'] as number);
          const cursor = (await send('GET', `${POSTS}?limit=20`))['next_cursor'] as string;
          assert.ok(cursor, 'the first page has a next_cursor');

          const measured: string[] = [];
          const failures: string[] = [];
          for (const { name, method, path, trips } of EXPECTED) {
            const counts: number[] = [];
            // The first two warm the statement caches (asyncpg prepares each statement once per connection).
            for (let round = 0; round < 5; round++) {
              const id = method === 'DELETE' ? ids.pop()! : ids[0]!;
              const body =
                method === 'POST'
                  ? post(100 + round)
                  : method === 'PATCH'
                    ? { published: round % 2 === 0 }
                    : undefined;
              await settle();
              counter!.reset();
              await send(method, path(id, cursor), body);
              // The session is closed and its connection returned before the answer (scope="function");
              // a moment covers the proxy's own buffering.
              await settle();
              if (round >= 2) counts.push(counter!.roundTrips());
            }
            measured.push(`${name}: ${counts.join(', ')} (expected ${trips})`);
            if (counts.some((count) => count !== trips))
              failures.push(`${name}: ${counts.join(', ')}, not ${trips}`);
            assert.equal(counter!.connections(), 0, `${name}: the pool opened a connection`);
          }
          console.log(`      ${measured.join('\n      ')}`);
          assert.deepEqual(failures, [], `round trips per request:\n${failures.join('\n')}`);
        },
        env,
      );
    });
  });
}

function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 30));
}
