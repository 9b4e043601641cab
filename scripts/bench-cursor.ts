/**
 * Benchmark (not a test): does a deep page cost what the first one does? Generates a --no-auth PostgreSQL
 * project per ORM with `forge:crud Post title:str:max=200 body:text published:bool:default=false`, installs
 * it as its README says, fills 10,000 posts, serves it with uvicorn and times GET /api/v1/posts (limit 50):
 * page 1 (the offset form, which counts the rows for its total), pages 2 and 200 by cursor (no count) and page
 * 200 by offset, interleaved, one request at a time. Prints p50 / p95 and each one's ratio to page 1. Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust).
 *
 *   npm run bench:cursor            # ROUNDS=1000 by default
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Orm } from '../src/lib/config.js';
import { runGenerator } from '../test/support/generate.js';
import { freePort, startProcess, waitForHttp } from '../test/support/http.js';
import { FORGE_GENERATORS, generatorPath } from '../test/support/paths.js';
import { generateProject } from '../test/support/project.js';
import { installProject, mustRun } from '../test/support/python.js';
import { createDatabase, dropDatabase, serverUrl } from '../test/support/servers.js';

const ROWS = 10_000;
const LIMIT = 50;
const ROUNDS = Number(process.env['ROUNDS'] ?? 1000);

interface Page {
  items: { id: number }[];
  next_cursor: string | null;
}

async function bench(orm: Orm): Promise<void> {
  const root = await generateProject('postgresql', orm, { auth: false }, 'bench');
  await runGenerator(generatorPath('crud'))
    .withGenerators(FORGE_GENERATORS)
    .cd(root)
    .withArguments(['Post', 'title:str:max=200', 'body:text', 'published:bool:default=false'])
    .withOptions({ force: true, defaults: true });
  const bin = await installProject(root);
  const name = `forge_bench_${orm}_${process.pid}`;
  await createDatabase('postgresql', name);
  const env = { ...process.env, DATABASE_URL: serverUrl('postgresql', name) };
  try {
    await mustRun(join(bin, 'alembic'), ['upgrade', 'head'], { cwd: root, env });
    const insert = `INSERT INTO posts (title, body, published, created_at, updated_at)
      SELECT 'Post ' || i, repeat('body ', 20), i % 2 = 0, now(), now() FROM generate_series(1, ${ROWS}) AS i;
      ANALYZE posts;`;
    execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', name, '-q', '-c', insert]);
    const port = await freePort();
    const args = ['app.main:app', '--port', String(port), '--log-level', 'warning'];
    const server = startProcess(join(bin, 'uvicorn'), args, root, env);
    try {
      const base = `http://127.0.0.1:${port}/api/v1/posts`;
      await waitForHttp(`http://127.0.0.1:${port}/health`, server);
      // The cursors of pages 2 and 200: walk there once.
      let cursor = '';
      let second = '';
      for (let page = 1; page < 200; page++) {
        const body = (await (
          await fetch(`${base}?limit=${LIMIT}${cursor && `&cursor=${cursor}`}`)
        ).json()) as Page;
        cursor = body.next_cursor!;
        if (page === 1) second = cursor;
      }
      const targets: Record<string, string> = {
        'page 1': `${base}?limit=${LIMIT}`,
        'page 2, cursor': `${base}?limit=${LIMIT}&cursor=${second}`,
        'page 200, cursor': `${base}?limit=${LIMIT}&cursor=${cursor}`,
        'page 200, offset': `${base}?limit=${LIMIT}&skip=${199 * LIMIT}`,
      };
      const last = (await (await fetch(targets['page 200, cursor']!)).json()) as Page;
      if (last.items[0]?.id !== 199 * LIMIT + 1) throw new Error(`page 200 starts at ${last.items[0]?.id}`);
      const times = new Map(Object.keys(targets).map((key) => [key, [] as number[]]));
      for (let round = 0; round < ROUNDS + 50; round++) {
        for (const [key, url] of Object.entries(targets)) {
          const start = performance.now();
          const response = await fetch(url);
          await response.arrayBuffer();
          // The first 50 rounds warm up the pool and the caches.
          if (round >= 50) times.get(key)!.push(performance.now() - start);
        }
      }
      const p = (values: number[], q: number) =>
        [...values].sort((a, b) => a - b)[Math.floor(q * values.length)]!;
      const first = p(times.get('page 1')!, 0.5);
      console.log(`\n${orm}: ${ROWS} rows, limit ${LIMIT}, ${ROUNDS} requests each, one at a time`);
      for (const [key, values] of times) {
        const p50 = p(values, 0.5);
        const ratio = (p50 / first).toFixed(2);
        console.log(
          `  ${key.padEnd(17)} p50 ${p50.toFixed(2)} ms  p95 ${p(values, 0.95).toFixed(2)} ms  x${ratio}`,
        );
      }
    } finally {
      await server.stop();
    }
  } finally {
    await dropDatabase('postgresql', name).catch(() => undefined);
  }
}

for (const orm of ['sqlalchemy', 'sqlmodel'] as const) await bench(orm);
