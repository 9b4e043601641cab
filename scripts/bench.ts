/**
 * Benchmark (not a test): how fast is a generated resource next to the same API hand-written on a raw asyncpg
 * pool? Generates a --no-auth PostgreSQL project per ORM with `forge:crud Post title:str:max=200 body:text
 * published:bool:default=false` and `forge:crud Article title:str:max=200 body:text author:ref=User`, installs
 * it as its README says, migrates and fills 10,000 posts and 10,000 articles by 100 authors; sets up the
 * baseline (scripts/bench/raw_app.py: same pydantic models and URLs, no ORM) on its own database, same
 * schema, same rows, with the pinned versions of fastapi, pydantic, uvicorn and asyncpg the generated project
 * installed and a fixed pool as large as the generated app's pool may grow (POOL_SIZE + POOL_MAX_OVERFLOW).
 *
 * Each app is served by one uvicorn worker (uvloop, httptools), with its defaults, all three at once, and
 * loaded with autocannon (32 connections, DURATION seconds) endpoint by endpoint, interleaved: each round runs
 * every endpoint on the three apps one after the other, in an order rotated per round. GET one (random ids),
 * list 20 with its total (offset form), list 20 by cursor (page 2, the cursor each app wrote), 20 articles
 * with their total and authors (`include=author`), POST, PATCH (random ids, a new title). Writes are undone after each run (new rows deleted, titles and flags restored,
 * VACUUM ANALYZE), so every run meets the same 10,000 rows. Per endpoint and app: rps (median of the rounds),
 * p50 and p99 latency (medians), the ratio to raw, the worker's CPU per request (/proc/<pid>/stat). Any
 * non-2xx answer or socket error fails the run. autocannon shares the machine's cores with the apps and
 * PostgreSQL: compare the ratios, not absolute rps across machines.
 *
 * Then, not under load, a second instance of each app behind a counting proxy (test/support/pg-counter.ts):
 * database round trips per request (SEQUENTIAL requests one at a time) and, with 32 concurrent connections
 * for CHURN_SECONDS, the connections the app opened per 1,000 requests (pool churn). Finally the RSS of each
 * loaded worker, and, without HTTP, the CPU that each layer between asyncpg and the generated code's ORM read
 * adds (scripts/bench/layers.py). Prints Markdown tables and writes JSON (BENCH_RESULT, default
 * .cache/bench/result.json).
 * Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust).
 *
 *   npm run bench                       # DURATION=10 ROUNDS=3 by default
 *   DURATION=3 ROUNDS=1 npm run bench   # a quick check
 */
import autocannon from 'autocannon';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import type { Orm } from '../src/lib/config.js';
import { runGenerator } from '../test/support/generate.js';
import { freePort, startProcess, waitForHttp, type Served } from '../test/support/http.js';
import { CACHE_DIR, FORGE_GENERATORS, generatorPath, REPO_ROOT } from '../test/support/paths.js';
import { startPgCounter } from '../test/support/pg-counter.js';
import { generateProject } from '../test/support/project.js';
import { installProject, mustRun, venvFor } from '../test/support/python.js';
import { createDatabase, dropDatabase } from '../test/support/servers.js';

const ROWS = 10_000;
const LIMIT = 20;
const CONNECTIONS = 32;
const DURATION = Number(process.env['DURATION'] ?? 10);
const ROUNDS = Number(process.env['ROUNDS'] ?? 3);
const WARMUP = Number(process.env['WARMUP'] ?? 2);
const SEQUENTIAL = Number(process.env['SEQUENTIAL'] ?? 50);
const CHURN_SECONDS = Number(process.env['CHURN_SECONDS'] ?? 3);
const RESULT = process.env['BENCH_RESULT'] ?? join(CACHE_DIR, 'bench', 'result.json');
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

type AppName = 'raw' | Orm;
const ORMS: Orm[] = ['sqlalchemy', 'sqlmodel'];
const APPS: AppName[] = ['raw', ...ORMS];

/** What uvicorn serves, and where: `cwd` holds the module; the database is the app's own. */
interface AppSetup {
  name: AppName;
  bin: string;
  cwd: string;
  module: string;
  db: string;
  /** The environment, less DATABASE_URL (one per instance: the server's, or the counting proxy's). */
  env: NodeJS.ProcessEnv;
  /** DATABASE_URL for a database on 127.0.0.1 at this port. */
  url: (db: string, port: number) => string;
}

interface Running {
  app: AppSetup;
  server: Served;
  base: string;
  pid: number;
  /** The list's page 2, by the cursor this app wrote. */
  cursorPath: string;
}

interface Endpoint {
  name: string;
  request: (app: Running) => autocannon.Request;
  writes: boolean;
}

const randomId = () => 1 + Math.floor(Math.random() * ROWS);
const json = { 'content-type': 'application/json' };
const ENDPOINTS: Endpoint[] = [
  {
    name: 'GET one',
    writes: false,
    request: () => ({ method: 'GET', setupRequest: (r) => ({ ...r, path: `/api/v1/posts/${randomId()}` }) }),
  },
  {
    name: 'list 20 + total',
    writes: false,
    request: () => ({ method: 'GET', path: `/api/v1/posts?limit=${LIMIT}` }),
  },
  { name: 'list 20, cursor', writes: false, request: (app) => ({ method: 'GET', path: app.cursorPath }) },
  {
    name: 'list 20 + authors',
    writes: false,
    request: () => ({ method: 'GET', path: `/api/v1/articles?limit=${LIMIT}&include=author` }),
  },
  {
    name: 'POST',
    writes: true,
    request: () => ({
      method: 'POST',
      path: '/api/v1/posts',
      headers: json,
      body: JSON.stringify({ title: 'A benchmark post', body: 'body '.repeat(20), published: false }),
    }),
  },
  {
    name: 'PATCH',
    writes: true,
    // A new title each time: every PATCH writes (an ORM skips the UPDATE of a row it would not change, so
    // `{"published": true}` would turn into reads as the run sets every flag).
    request: () => ({
      method: 'PATCH',
      headers: json,
      setupRequest: (r) => {
        const id = randomId();
        return {
          ...r,
          path: `/api/v1/posts/${id}`,
          body: JSON.stringify({ title: `Post ${id} ${Math.random()}` }),
        };
      },
    }),
  },
];

interface Run {
  round: number;
  endpoint: string;
  app: AppName;
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  cpuMsPerRequest: number;
}

interface Counted {
  endpoint: string;
  app: AppName;
  /** One request at a time. */
  roundTripsPerRequest: number;
  connectionsSequential: number;
  /** The protocol messages of those requests, by type, per request (what the round trips are made of). */
  messagesPerRequest: Record<string, number>;
  /** CONNECTIONS concurrent connections for CHURN_SECONDS. */
  concurrentRequests: number;
  roundTripsPerRequestConcurrent: number;
  connectionsOpened: number;
}

// ---------------------------------------------------------------------------------------------- helpers

/** SQL through psql, asynchronously: a blocked event loop would stall the counting proxy's connections. */
async function psql(db: string, statement: string): Promise<string> {
  const args = ['-h', '127.0.0.1', '-U', 'postgres', '-d', db, '-v', 'ON_ERROR_STOP=1', '-qtAc', statement];
  return (await mustRun('psql', args)).trim();
}

/** Back to the seed: the rows a run inserted deleted, those it changed restored, dead tuples vacuumed. */
async function resetTable(db: string): Promise<void> {
  await psql(db, `DELETE FROM posts WHERE id > ${ROWS}`);
  await psql(
    db,
    `UPDATE posts SET title = 'Post ' || id, published = id % 2 = 0
      WHERE title <> 'Post ' || id OR published <> (id % 2 = 0)`,
  );
  await psql(db, 'VACUUM ANALYZE posts');
}

/** utime + stime of a process, in milliseconds. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces), from field 3 (state): utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

function statusKiB(pid: number, key: string): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${key}:`));
  return Number(line?.split(/\s+/)[1] ?? NaN);
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** Load one app with one endpoint; throws on any non-2xx answer or socket error. */
async function load(app: Running, endpoint: Endpoint, seconds: number, connections = CONNECTIONS) {
  const result = await autocannon({
    url: app.base,
    connections,
    duration: seconds,
    requests: [endpoint.request(app)],
  });
  const failed = result.non2xx + result.errors + result.timeouts;
  if (failed > 0) {
    const codes = JSON.stringify(result.statusCodeStats);
    throw new Error(
      `${app.app.name} ${endpoint.name}: ${result.non2xx} non-2xx (${codes}), ${result.errors} errors, ` +
        `${result.timeouts} timeouts\n${app.server.output().slice(-5000)}`,
    );
  }
  return result;
}

async function fetchJson(
  url: string,
  init?: RequestInit,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, init);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

// ---------------------------------------------------------------------------------------------- setup

const cleanups: (() => Promise<unknown> | unknown)[] = [];
async function cleanup(): Promise<void> {
  while (cleanups.length > 0) {
    try {
      await cleanups.pop()!();
    } catch (error) {
      console.error('cleanup:', error);
    }
  }
}

const AUTHORS = 100;
const seed = `INSERT INTO posts (title, body, published, created_at, updated_at)
  SELECT 'Post ' || i, repeat('body ', 20), i % 2 = 0, now(), now() FROM generate_series(1, ${ROWS}) AS i;
  INSERT INTO users (username, email, hashed_password, is_active, is_superuser, created_at, updated_at)
  SELECT 'author' || i, 'author' || i || '@example.com', 'not a hash', true, false, now(), now()
  FROM generate_series(1, ${AUTHORS}) AS i;
  INSERT INTO articles (title, body, author_id, created_at, updated_at)
  SELECT 'Article ' || i, repeat('body ', 20), 1 + i % ${AUTHORS}, now(), now() FROM generate_series(1, ${ROWS}) AS i;
  ANALYZE posts; ANALYZE users; ANALYZE articles;`;

/** A generated project, migrated and filled. */
async function setUpGenerated(orm: Orm): Promise<AppSetup> {
  const root = await generateProject('postgresql', orm, { auth: false }, 'bench');
  cleanups.push(() => rmSync(dirname(root), { recursive: true, force: true }));
  await runGenerator(generatorPath('crud'))
    .withGenerators(FORGE_GENERATORS)
    .cd(root)
    .withArguments(['Post', 'title:str:max=200', 'body:text', 'published:bool:default=false'])
    .withOptions({ force: true, defaults: true });
  await runGenerator(generatorPath('crud'))
    .withGenerators(FORGE_GENERATORS)
    .cd(root)
    .withArguments(['Article', 'title:str:max=200', 'body:text', 'author:ref=User'])
    .withOptions({ force: true, defaults: true });
  process.chdir(REPO_ROOT); // yeoman-test leaves the process in the project
  const bin = await installProject(root);
  const db = `forge_bench_${orm}_${process.pid}`;
  await createDatabase('postgresql', db);
  cleanups.push(() => dropDatabase('postgresql', db));
  // Only what the app needs: its settings come from its .env and its defaults, none from this shell.
  const env = { PATH: process.env['PATH'], HOME: process.env['HOME'], LANG: 'C.UTF-8' };
  const url = (name: string, port: number) => `postgresql+asyncpg://postgres@127.0.0.1:${port}/${name}`;
  await mustRun(join(bin, 'alembic'), ['upgrade', 'head'], {
    cwd: root,
    env: { ...env, DATABASE_URL: url(db, 5432) },
  });
  await psql(db, seed);
  return { name: orm, bin, cwd: root, module: 'app.main:app', db, env, url };
}

/** The raw app: the generated project's versions of the libraries, its schema, the same rows. */
async function setUpRaw(
  model: AppSetup,
): Promise<{ app: AppSetup; poolSize: number; versions: Record<string, string> }> {
  const script =
    'import json, importlib.metadata as m\n' +
    'from app.core.config import settings as s\n' +
    'names = ["fastapi", "pydantic", "starlette", "uvicorn", "uvloop", "httptools", "asyncpg", "sqlalchemy"]\n' +
    'print(json.dumps({"pool": s.POOL_SIZE + getattr(s, "POOL_MAX_OVERFLOW", 0),' +
    ' "versions": {n: m.version(n) for n in names}}))';
  const probe = JSON.parse(
    await mustRun(join(model.bin, 'python'), ['-c', script], {
      cwd: model.cwd,
      env: { ...model.env, DATABASE_URL: model.url(model.db, 5432) },
    }),
  ) as { pool: number; versions: Record<string, string> };
  const v = probe.versions;
  const venv = await venvFor([
    `fastapi==${v['fastapi']}`,
    `pydantic==${v['pydantic']}`,
    `starlette==${v['starlette']}`,
    `uvicorn[standard]==${v['uvicorn']}`,
    `uvloop==${v['uvloop']}`,
    `httptools==${v['httptools']}`,
    `asyncpg==${v['asyncpg']}`,
  ]);
  const db = `forge_bench_raw_${process.pid}`;
  await createDatabase('postgresql', db);
  cleanups.push(() => dropDatabase('postgresql', db));
  // The generated project's own migration makes the table.
  await mustRun(join(model.bin, 'alembic'), ['upgrade', 'head'], {
    cwd: model.cwd,
    env: { ...model.env, DATABASE_URL: model.url(db, 5432) },
  });
  await psql(db, seed);
  const env = { ...model.env, POOL_SIZE: String(probe.pool) };
  const app: AppSetup = {
    name: 'raw',
    bin: join(venv, 'bin'),
    cwd: join(REPO_ROOT, 'scripts', 'bench'),
    module: 'raw_app:app',
    db,
    env,
    url: (name, port) => `postgresql://postgres@127.0.0.1:${port}/${name}`,
  };
  return { app, poolSize: probe.pool, versions: v };
}

/** Serve an app with one uvicorn worker against the database at `dbPort`; checks its answers once. */
async function serve(app: AppSetup, dbPort = 5432): Promise<Running> {
  const port = await freePort();
  const args = [app.module, '--host', '127.0.0.1', '--port', String(port), '--workers', '1'];
  args.push('--loop', 'uvloop', '--http', 'httptools', '--log-level', 'warning');
  const server = startProcess(join(app.bin, 'uvicorn'), args, app.cwd, {
    ...app.env,
    DATABASE_URL: app.url(app.db, dbPort),
  });
  cleanups.push(() => server.stop());
  const base = `http://127.0.0.1:${port}`;
  const health = await waitForHttp(`${base}/health`, server, 60_000);
  if (health.status !== 200)
    throw new Error(`${app.name}: /health answered ${health.status}: ${health.body}`);
  // The same answers from every app, or the comparison means nothing.
  const posts = `${base}/api/v1/posts`;
  const one = await fetchJson(`${posts}/7`);
  if (one.status !== 200 || one.body['title'] !== 'Post 7')
    throw new Error(`${app.name}: GET one ${JSON.stringify(one)}`);
  const first = await fetchJson(`${posts}?limit=${LIMIT}`);
  if (first.body['total'] !== ROWS || typeof first.body['next_cursor'] !== 'string') {
    throw new Error(`${app.name}: page 1 ${JSON.stringify(first).slice(0, 500)}`);
  }
  const cursorPath = `/api/v1/posts?limit=${LIMIT}&cursor=${encodeURIComponent(first.body['next_cursor'])}`;
  const second = await fetchJson(`${base}${cursorPath}`);
  const items = second.body['items'] as { id: number }[] | undefined;
  if (items?.[0]?.id !== LIMIT + 1 || items.length !== LIMIT || second.body['total'] !== null) {
    throw new Error(`${app.name}: page 2 ${JSON.stringify(second).slice(0, 500)}`);
  }
  const articles = await fetchJson(`${base}/api/v1/articles?limit=${LIMIT}&include=author`);
  const article = (articles.body['items'] as { id: number; author: { username: string } | null }[])[0];
  if (articles.body['total'] !== ROWS || article?.author?.username !== 'author2') {
    throw new Error(`${app.name}: articles ${JSON.stringify(articles).slice(0, 500)}`);
  }
  const created = await fetchJson(posts, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ title: 't', body: 'b' }),
  });
  if (created.status !== 201 || created.body['published'] !== false) {
    throw new Error(`${app.name}: POST ${JSON.stringify(created)}`);
  }
  const patched = await fetchJson(`${posts}/7`, {
    method: 'PATCH',
    headers: json,
    body: '{"published":true}',
  });
  if (patched.status !== 200 || patched.body['published'] !== true || patched.body['title'] !== 'Post 7') {
    throw new Error(`${app.name}: PATCH ${JSON.stringify(patched)}`);
  }
  return { app, server, base, pid: server.process.pid!, cursorPath };
}

// ---------------------------------------------------------------------------------------------- phases

async function measureLoad(running: Running[]): Promise<Run[]> {
  console.log(`warm-up: ${WARMUP} s per endpoint and app`);
  for (const app of running) {
    for (const endpoint of ENDPOINTS) await load(app, endpoint, WARMUP);
    await resetTable(app.app.db);
  }
  const runs: Run[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const endpoint of ENDPOINTS) {
      const order = running.map((_, i) => running[(i + round) % running.length]!);
      for (const app of order) {
        const cpuBefore = cpuMs(app.pid);
        const result = await load(app, endpoint, DURATION);
        const cpu = cpuMs(app.pid) - cpuBefore;
        if (endpoint.writes) await resetTable(app.app.db);
        const requests = result.requests.total;
        const run: Run = {
          round: round + 1,
          endpoint: endpoint.name,
          app: app.app.name,
          requests,
          seconds: result.duration,
          rps: requests / result.duration,
          p50: result.latency.p50,
          p99: result.latency.p99,
          cpuMsPerRequest: cpu / requests,
        };
        runs.push(run);
        console.log(
          `round ${run.round} ${endpoint.name.padEnd(16)} ${run.app.padEnd(10)} ${run.rps.toFixed(0).padStart(6)} rps` +
            `  p50 ${run.p50} ms  p99 ${run.p99} ms  cpu ${run.cpuMsPerRequest.toFixed(2)} ms/req`,
        );
      }
    }
  }
  return runs;
}

/** Round trips and connections, through the counting proxy, on a second instance of each app. */
async function countRoundTrips(apps: AppSetup[]): Promise<Counted[]> {
  const counted: Counted[] = [];
  for (const app of apps) {
    const counter = await startPgCounter(5432);
    const running = await serve(app, counter.port);
    try {
      for (const endpoint of ENDPOINTS) {
        // Warm: the pool filled and the statements prepared, as they are under load.
        await sequential(running, endpoint, 20);
        counter.reset();
        await sequential(running, endpoint, SEQUENTIAL);
        const roundTripsPerRequest = counter.roundTrips() / SEQUENTIAL;
        const connectionsSequential = counter.connections();
        const messagesPerRequest = Object.fromEntries(
          Object.entries(counter.messages()).map(([type, n]) => [type, n / SEQUENTIAL]),
        );
        counter.reset();
        const result = await load(running, endpoint, CHURN_SECONDS);
        const concurrentRequests = result.requests.total;
        counted.push({
          endpoint: endpoint.name,
          app: app.name,
          roundTripsPerRequest,
          connectionsSequential,
          messagesPerRequest,
          concurrentRequests,
          roundTripsPerRequestConcurrent: counter.roundTrips() / concurrentRequests,
          connectionsOpened: counter.connections(),
        });
        if (endpoint.writes) await resetTable(app.db);
      }
    } finally {
      await running.server.stop();
      await counter.close();
    }
  }
  return counted;
}

/** `count` requests one at a time, each one checked. */
async function sequential(app: Running, endpoint: Endpoint, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const request = endpoint.request(app);
    const shaped = request.setupRequest
      ? (request.setupRequest as (r: autocannon.Request) => autocannon.Request)(request)
      : request;
    const response = await fetch(`${app.base}${shaped.path}`, {
      method: shaped.method,
      headers: shaped.headers as Record<string, string> | undefined,
      body: shaped.body as string | undefined,
    });
    const text = await response.text();
    if (response.status >= 300)
      throw new Error(`${app.app.name} ${endpoint.name}: ${response.status} ${text}`);
  }
}

// ---------------------------------------------------------------------------------------------- report

/** 14, 14.5, 3.42: no trailing zeros (autocannon's latencies are whole milliseconds). */
const short = (value: number, digits = 1) => String(Number(value.toFixed(digits)));

async function machine(python: string, versions: Record<string, string>, poolSize: number) {
  const cpuModel = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  const autocannonVersion = (
    JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', 'autocannon', 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
  return {
    date: new Date().toISOString(),
    cpu: cpuModel,
    cores: cpus().length,
    node: process.version,
    python: execFileSync(python, ['--version']).toString().trim().replace('Python ', ''),
    postgresql: await psql('postgres', 'SHOW server_version'),
    autocannon: autocannonVersion,
    versions,
    rawPoolSize: poolSize,
    rows: ROWS,
    connections: CONNECTIONS,
    durationSeconds: DURATION,
    rounds: ROUNDS,
  };
}

/** scripts/bench/layers.py with the SQLAlchemy project's interpreter: CPU microseconds per read, layer by layer. */
async function measureLayers(app: AppSetup): Promise<Record<string, number>> {
  const output = await mustRun(join(app.bin, 'python'), [join(REPO_ROOT, 'scripts', 'bench', 'layers.py')], {
    cwd: app.cwd,
    env: { ...app.env, DATABASE_URL: `postgresql://postgres@127.0.0.1:5432/${app.db}` },
  });
  return JSON.parse(output.trim().split('\n').pop()!) as Record<string, number>;
}

function report(
  facts: Awaited<ReturnType<typeof machine>>,
  runs: Run[],
  counted: Counted[],
  rss: Record<string, { rss: number; peak: number }>,
  layers: Record<string, number>,
) {
  const summary = ENDPOINTS.flatMap((endpoint) => {
    const of = (app: AppName) => runs.filter((r) => r.endpoint === endpoint.name && r.app === app);
    const rawRps = median(of('raw').map((r) => r.rps));
    return APPS.map((app) => {
      const mine = of(app);
      const count = counted.find((c) => c.endpoint === endpoint.name && c.app === app)!;
      const rps = median(mine.map((r) => r.rps));
      return {
        endpoint: endpoint.name,
        app,
        rps,
        ratio: rps / rawRps,
        p50: median(mine.map((r) => r.p50)),
        p99: median(mine.map((r) => r.p99)),
        cpuMsPerRequest: median(mine.map((r) => r.cpuMsPerRequest)),
        roundTrips: count.roundTripsPerRequest,
        connectionsPer1k: (count.connectionsOpened / count.concurrentRequests) * 1000,
        connectionsOpened: count.connectionsOpened,
        non2xx: 0,
      };
    });
  });
  const v = facts.versions;
  const lines = [
    `Benchmark of ${facts.date.slice(0, 10)}: ${facts.cpu}, ${facts.cores} cores; Python ${facts.python}, ` +
      `PostgreSQL ${facts.postgresql}, Node ${facts.node}, autocannon ${facts.autocannon}; fastapi ${v['fastapi']}, ` +
      `pydantic ${v['pydantic']}, uvicorn ${v['uvicorn']}, SQLAlchemy ${v['sqlalchemy']}, asyncpg ${v['asyncpg']}.`,
    `${ROWS.toLocaleString('en')} rows; one uvicorn worker per app (uvloop, httptools), ${CONNECTIONS} connections, ` +
      `${DURATION} s runs, ${ROUNDS} interleaved round(s); medians over rounds. raw: asyncpg pool of ${facts.rawPoolSize}. ` +
      `Round trips: ${SEQUENTIAL} requests one at a time; new connections: ${CHURN_SECONDS} s at ${CONNECTIONS} connections.`,
    '',
    '| endpoint | app | rps | x raw | p50 ms | p99 ms | CPU ms/req | DB round trips/req | new conns/1k req | non-2xx |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...summary.map(
      (s) =>
        `| ${s.endpoint} | ${s.app} | ${s.rps.toFixed(0)} | ${s.ratio.toFixed(2)} | ${short(s.p50)} | ` +
        `${short(s.p99)} | ${s.cpuMsPerRequest.toFixed(2)} | ${short(s.roundTrips, 2)} | ` +
        `${s.connectionsPer1k.toFixed(1)} | ${s.non2xx} |`,
    ),
    '',
    '| app | RSS after load (MiB) | peak RSS (MiB) | x raw |',
    '| --- | ---: | ---: | ---: |',
    ...APPS.map(
      (app) =>
        `| ${app} | ${(rss[app]!.rss / 1024).toFixed(1)} | ${(rss[app]!.peak / 1024).toFixed(1)} | ` +
        `${(rss[app]!.rss / rss['raw']!.rss).toFixed(2)} |`,
    ),
    '',
    '| one read by id, without HTTP (scripts/bench/layers.py) | CPU µs per read |',
    '| --- | ---: |',
    ...Object.entries(layers).map(([layer, us]) => `| ${layer} | ${us.toFixed(0)} |`),
  ];
  console.log(`\n${lines.join('\n')}\n`);
  mkdirSync(dirname(RESULT), { recursive: true });
  writeFileSync(
    RESULT,
    `${JSON.stringify({ machine: facts, summary, rss, layers, runs, counted, table: lines.join('\n') }, null, 2)}\n`,
  );
  console.log(`JSON: ${RESULT}`);
}

// ---------------------------------------------------------------------------------------------- main

async function main(): Promise<void> {
  const generated: AppSetup[] = [];
  for (const orm of ORMS) {
    console.log(`setting up ${orm}`);
    generated.push(await setUpGenerated(orm));
  }
  console.log('setting up raw');
  const { app: raw, poolSize, versions } = await setUpRaw(generated[0]!);
  const apps = [raw, ...generated];
  const running: Running[] = [];
  for (const app of apps) running.push(await serve(app));
  for (const app of running) await resetTable(app.app.db);

  const runs = await measureLoad(running);
  const rss = Object.fromEntries(
    running.map((app) => [
      app.app.name,
      { rss: statusKiB(app.pid, 'VmRSS'), peak: statusKiB(app.pid, 'VmHWM') },
    ]),
  );
  for (const app of running) await app.server.stop();

  console.log('counting round trips');
  const counted = await countRoundTrips(apps);
  console.log('measuring the layers of a read');
  const layers = await measureLayers(generated[0]!);
  report(await machine(join(raw.bin, 'python'), versions, poolSize), runs, counted, rss, layers);
}

const interrupted = () => void cleanup().then(() => process.exit(130));
process.once('SIGINT', interrupted);
process.once('SIGTERM', interrupted);
try {
  await main();
} finally {
  await cleanup();
}
