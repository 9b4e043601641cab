/**
 * A generated project wired for the end-to-end suite: its own databases on the local server (SQLite: files in
 * the project), the cached virtual environment for its dependency set, and a runner for its commands.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database, Orm } from '../../src/lib/config.js';
import { runApp } from './generate.js';
import { freePort, startProcess, waitForHttp } from './http.js';
import { mustRun, projectRequirements, venvFor } from './python.js';
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
 * point DATABASE_URL / TEST_DATABASE_URL at databases of this run and find its virtual environment.
 */
export async function prepareProject(
  context: Mocha.Context,
  database: Database,
  orm: Orm,
  label: string,
  options: AppOptions = {},
): Promise<E2EProject> {
  const port = SERVER_PORTS[database];
  if (port !== undefined && !(await isPortOpen(port))) {
    const message = `${database} server unreachable on 127.0.0.1:${port}`;
    if (IN_CI) throw new Error(`${message} (CI=true: nothing may be skipped)`);
    console.log(`      skipped: ${message}`);
    context.skip();
  }
  const root = await generateProject(database, orm, options);
  const bin = join(await venvFor(projectRequirements(join(root, 'pyproject.toml'))), 'bin');
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env['PATH']}` };
  delete env['DATABASE_URL'];
  delete env['TEST_DATABASE_URL'];
  const dbName = `forge_${label}_${database}_${orm}_${process.pid}`;
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
      rmSync(join(root, '..'), { recursive: true, force: true });
    },
  };
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
  if (failure !== undefined) throw failure;
  if (code !== 0) throw new Error(`uvicorn exited with ${code}:\n${server.output()}`);
  return server.output();
}
