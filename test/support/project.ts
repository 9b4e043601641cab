/**
 * A generated project wired for the end-to-end suite: its own databases on the local server (SQLite: files in
 * the project), the cached virtual environment for its dependency set, and a runner for its commands.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Database, Orm } from '../../src/lib/config.js';
import { runApp } from './generate.js';
import { freePort, startProcess, waitForHttp } from './http.js';
import { installProject, mustRun } from './python.js';
import { deleteRedisKeys, REDIS_PORT } from './redis.js';
import { createDatabase, dropDatabase, isPortOpen, SERVER_PORTS, serverUrl } from './servers.js';

export const IN_CI = process.env['CI'] === 'true';

export interface E2EProject {
  root: string;
  /** The virtual environment's bin folder. */
  bin: string;
  env: NodeJS.ProcessEnv;
  /** The application database's name on the server (unused for SQLite). */
  dbName: string;
  /** Run a command from the venv in the project root; it must succeed. */
  run: (command: string, args: string[], timeoutMs?: number) => Promise<string>;
  cleanup: () => Promise<void>;
}

/** Options of `yo forge` beyond the database and ORM, e.g. `{ auth: false }`. */
export type AppOptions = Record<string, unknown>;

/** Generate a project into a fresh temporary folder and return its root. */
export async function generateProject(
  database: Database,
  orm: Orm,
  options: AppOptions = {},
  name = 'demo',
): Promise<string> {
  const parent = mkdtempSync(join(tmpdir(), `forge-e2e-${database}-${orm}-`));
  await runApp(parent)
    .withArguments([name])
    .withOptions({ database, orm, ...options, defaults: true, skipInstall: true });
  return join(parent, name);
}

/**
 * Skip (off CI) or fail (CI=true) when the combination's server is down; otherwise generate the project,
 * point DATABASE_URL / TEST_DATABASE_URL at databases of this run and install it in its own `.venv`.
 */
export async function prepareProject(
  context: Mocha.Context,
  database: Database,
  orm: Orm,
  label: string,
  options: AppOptions = {},
): Promise<E2EProject> {
  const port = SERVER_PORTS[database];
  const servers: [string, number | undefined][] = [
    [`${database} server`, port],
    ['Redis (redis-server)', options['redis'] === true ? REDIS_PORT : undefined],
  ];
  for (const [server, serverPort] of servers) {
    if (serverPort === undefined || (await isPortOpen(serverPort))) continue;
    const message = `${server} unreachable on 127.0.0.1:${serverPort}`;
    if (IN_CI) throw new Error(`${message} (CI=true: nothing may be skipped)`);
    console.log(`      skipped: ${message}`);
    context.skip();
  }
  const root = await generateProject(database, orm, options);
  const bin = await installProject(root);
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env['PATH']}` };
  delete env['DATABASE_URL'];
  delete env['TEST_DATABASE_URL'];
  const dbName = `forge_${label}_${database}_${orm}_${process.pid}`;
  // Its own keys on the shared Redis: rate-limit counters of other projects and earlier runs never meet its own.
  const redisPrefix = options['redis'] === true ? `${dbName}:` : undefined;
  if (redisPrefix !== undefined) env['REDIS_KEY_PREFIX'] = redisPrefix;
  if (port !== undefined) {
    await createDatabase(database, dbName);
    env['DATABASE_URL'] = serverUrl(database, dbName);
    env['TEST_DATABASE_URL'] = serverUrl(database, `${dbName}_test`);
  }
  return {
    root,
    bin,
    env,
    dbName,
    run: (command, args, timeoutMs) => mustRun(join(bin, command), args, { cwd: root, env, timeoutMs }),
    cleanup: async () => {
      if (port !== undefined) await dropDatabase(database, dbName).catch(() => undefined);
      if (redisPrefix !== undefined) await deleteRedisKeys(redisPrefix).catch(() => undefined);
      rmSync(join(root, '..'), { recursive: true, force: true });
    },
  };
}

/**
 * Forget the project's rate-limit counters in Redis (a server's restart forgets in-memory ones): for a step after
 * one that spent them, e.g. schemathesis's registrations.
 */
export async function forgetRateLimits(project: Pick<E2EProject, 'env'>): Promise<void> {
  const prefix = project.env['REDIS_KEY_PREFIX'];
  if (prefix !== undefined) await deleteRedisKeys(`${prefix}limits`);
}

/** Create the superuser `root` with the project's own CLI, as its README says; the CLI's output. */
export async function createSuperuser(project: Pick<E2EProject, 'root' | 'bin' | 'env'>, password: string) {
  const cli = ['-m', 'app.cli', 'create-superuser', '--username', 'root', '--email', 'root@example.com'];
  return mustRun(join(project.bin, 'python'), cli, {
    cwd: project.root,
    env: { ...project.env, SUPERUSER_PASSWORD: password },
  });
}

/**
 * Run `body` against the project under uvicorn on a free port, once /health answers 200; then stop the
 * server, which must exit cleanly. Returns the server's output.
 */
export async function withServer(
  project: Pick<E2EProject, 'root' | 'bin' | 'env'>,
  body: (base: string) => Promise<void>,
  env: NodeJS.ProcessEnv = project.env,
): Promise<string> {
  const port = await freePort();
  const uvicorn = join(project.bin, 'uvicorn');
  const server = startProcess(uvicorn, ['app.main:app', '--port', String(port)], project.root, env);
  const base = `http://127.0.0.1:${port}`;
  let failure: unknown;
  try {
    const health = await waitForHttp(`${base}/health`, server);
    if (health.status !== 200) throw new Error(`/health answered ${health.status}: ${health.body}`);
    await body(base);
  } catch (error) {
    failure = error;
  }
  const code = await server.stop();
  if (failure instanceof Error)
    failure.message += `\n--- the server's output ---\n${server.output().slice(-4000)}`;
  if (failure !== undefined) throw failure;
  if (code !== 0) throw new Error(`uvicorn exited with ${code}:\n${server.output()}`);
  return server.output();
}

/**
 * Run the generated project's own test suite: it must collect every test function its files define (none lost
 * to a broken import or a misnamed file), then pass everything it collected, skipping nothing. Returns how many
 * tests ran.
 */
export async function passGeneratedTests(project: E2EProject): Promise<number> {
  const pytest = ['-m', 'pytest', '-q', '-p', 'no:cacheprovider'];
  const ids = (await project.run('python', [...pytest, '--collect-only']))
    .split('\n')
    .filter((line) => line.startsWith('tests/') && line.includes('::'));
  const collected = new Set(ids.map((id) => id.replace(/\[.*$/, '')));
  assert.deepEqual([...collected].sort(), testFunctions(project.root, 'tests').sort());
  const output = await project.run('python', pytest);
  assert.equal(/^(\d+) passed/m.exec(output)?.[1], String(ids.length), output);
  assert.doesNotMatch(output, /skipped|failed|error/i);
  return ids.length;
}

/** `path::name` of every module-level test function in the .py files below `folder`. */
function testFunctions(root: string, folder: string): string[] {
  return readdirSync(join(root, folder), { withFileTypes: true }).flatMap((entry) => {
    const path = join(root, folder, entry.name);
    if (entry.isDirectory()) return testFunctions(root, relative(root, path));
    if (!entry.name.startsWith('test_') || !entry.name.endsWith('.py')) return [];
    const names = [...readFileSync(path, 'utf8').matchAll(/^(?:async )?def (test_\w+)/gm)];
    return names.map((match) => `${relative(root, path)}::${match[1]}`);
  });
}

/** The lint and type-check configuration the generated pyproject.toml must keep: mypy --strict, the ruff rules. */
export async function checkToolConfig(project: E2EProject): Promise<void> {
  const script =
    'import json, tomllib\n' +
    'tool = tomllib.load(open("pyproject.toml", "rb"))["tool"]\n' +
    'print(json.dumps([tool["mypy"], tool["ruff"]]))';
  const [mypy, ruff] = JSON.parse(await project.run('python', ['-c', script])) as [
    Record<string, unknown>,
    { 'line-length': number; lint: { select: string[] } },
  ];
  assert.equal(mypy['strict'], true);
  assert.deepEqual(mypy['plugins'], ['pydantic.mypy']);
  assert.deepEqual(mypy['files'], ['app', 'tests', 'alembic']);
  assert.equal(ruff['line-length'], 100);
  assert.deepEqual(ruff.lint.select, ['E', 'W', 'F', 'I', 'B', 'UP', 'SIM', 'ASYNC', 'RUF']);
}
