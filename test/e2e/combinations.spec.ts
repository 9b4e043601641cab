/**
 * The proof: for every database x ORM, generate a project with the generator, install it, migrate it on a real
 * server, check that models and migrations agree, run its own test suite and linters, and serve it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATABASES, ORMS, type Database, type Orm } from '../../src/lib/config.js';
import { freePort, startProcess, waitForHttp } from '../support/http.js';
import { runApp } from '../support/generate.js';
import { mustRun, projectRequirements, run, venvFor } from '../support/python.js';
import { createDatabase, dropDatabase, isPortOpen, SERVER_PORTS, serverUrl } from '../support/servers.js';

const IN_CI = process.env['CI'] === 'true';

/** Generate a project into a fresh temporary folder and return its root. */
export async function generateProject(database: Database, orm: Orm, name = 'demo'): Promise<string> {
  const parent = mkdtempSync(join(tmpdir(), `forge-e2e-${database}-${orm}-`));
  await runApp(parent)
    .withArguments([name])
    .withOptions({ database, orm, defaults: true, skipInstall: true });
  return join(parent, name);
}

for (const database of DATABASES) {
  for (const orm of ORMS) {
    describe(`e2e: ${database} + ${orm}`, function () {
      this.timeout(600_000);
      let project = '';
      let python = '';
      let env: NodeJS.ProcessEnv = {};
      const dbName = `forge_e2e_${database}_${orm}_${process.pid}`;

      const inProject = (command: string, args: string[], timeoutMs?: number) =>
        mustRun(join(python, command), args, { cwd: project, env, timeoutMs });

      before(async function () {
        const port = SERVER_PORTS[database];
        if (port !== undefined && !(await isPortOpen(port))) {
          const message = `${database} server unreachable on 127.0.0.1:${port}`;
          if (IN_CI) throw new Error(`${message} (CI=true: nothing may be skipped)`);
          console.log(`      skipped: ${message}`);
          this.skip();
        }
        project = await generateProject(database, orm);
        python = join(await venvFor(projectRequirements(join(project, 'pyproject.toml'))), 'bin');
        env = { ...process.env, PATH: `${python}:${process.env['PATH']}` };
        delete env['DATABASE_URL'];
        delete env['TEST_DATABASE_URL'];
        if (port !== undefined) {
          await createDatabase(database, dbName);
          env['DATABASE_URL'] = serverUrl(database, dbName);
          env['TEST_DATABASE_URL'] = serverUrl(database, `${dbName}_test`);
        }
      });

      after(async () => {
        if (SERVER_PORTS[database] !== undefined && project !== '') {
          await dropDatabase(database, dbName).catch(() => undefined);
        }
        if (project !== '') rmSync(join(project, '..'), { recursive: true, force: true });
      });

      it('migrates up, matches the models, migrates down and up again', async () => {
        await inProject('alembic', ['upgrade', 'head']);
        const check = await inProject('alembic', ['check']);
        assert.match(check, /No new upgrade operations detected/);
        await inProject('alembic', ['downgrade', 'base']);
        await inProject('alembic', ['upgrade', '+1']);
        const current = /^([0-9a-f]{12}) \(head\)/m.exec(await inProject('alembic', ['current']));
        assert.ok(current, 'alembic current names the head revision');
        await inProject('alembic', ['downgrade', '-1']);
        await inProject('alembic', ['upgrade', 'head']);
        await inProject('alembic', ['downgrade', current[1]!]);
        assert.match(await inProject('alembic', ['history', '--verbose']), /create users table/);
      });

      it("passes the generated project's own test suite", async () => {
        const output = await inProject('python', ['-m', 'pytest', '-q', '-p', 'no:cacheprovider']);
        assert.match(output, /\d+ passed/);
        assert.doesNotMatch(output, /skipped|failed|error/i);
      });

      it('is ruff-clean, ruff-format-clean and mypy --strict clean as rendered', async () => {
        await inProject('ruff', ['check', '--no-cache', '.']);
        await inProject('ruff', ['format', '--no-cache', '--check', '.']);
        await inProject('mypy', ['--no-incremental']);
      });

      it('serves /health and /docs under uvicorn, and shuts down cleanly', async () => {
        const port = await freePort();
        const server = startProcess(
          join(python, 'uvicorn'),
          ['app.main:app', '--port', String(port)],
          project,
          env,
        );
        try {
          const health = await waitForHttp(`http://127.0.0.1:${port}/health`, server);
          assert.equal(health.status, 200, health.body);
          assert.deepEqual(JSON.parse(health.body), { status: 'ok', database: 'ok' });
          assert.equal((await fetch(`http://127.0.0.1:${port}/docs`)).status, 200);
        } finally {
          assert.equal(await server.stop(), 0, server.output());
        }
        assert.match(server.output(), /Database connection OK/);
        assert.match(server.output(), /Database connections closed/);
        assert.match(server.output(), /Application shutdown complete/);
      });

      it('refuses to start, saying why, when the database is unreachable', async () => {
        const unreachable =
          database === 'sqlite'
            ? 'sqlite+aiosqlite:////nonexistent-forge-folder/app.db'
            : serverUrl(database, dbName).replace(/:(5432|3306)\//, ':1/');
        const port = await freePort();
        const result = await run(join(python, 'uvicorn'), ['app.main:app', '--port', String(port)], {
          cwd: project,
          env: { ...env, DATABASE_URL: unreachable },
          timeoutMs: 60_000,
        });
        assert.notEqual(result.status, 0);
        assert.match(result.output, /Cannot reach the database at/);
        assert.match(result.output, /Application startup failed/);
      });
    });
  }
}
