/**
 * The proof: for every database x ORM, generate a project with the generator, install it, migrate it on a real
 * server, check that models and migrations agree, run its own test suite and linters, and serve it.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DATABASES, ORMS } from '../../src/lib/config.js';
import { freePort, startProcess, waitForHttp } from '../support/http.js';
import { prepareProject, type E2EProject } from '../support/project.js';
import { run } from '../support/python.js';
import { serverUrl } from '../support/servers.js';

for (const database of DATABASES) {
  for (const orm of ORMS) {
    describe(`e2e: ${database} + ${orm}`, function () {
      this.timeout(600_000);
      let project: E2EProject | undefined;
      const inProject = (command: string, args: string[], timeoutMs?: number) =>
        project!.run(command, args, timeoutMs);

      before(async function () {
        project = await prepareProject(this, database, orm, 'e2e');
      });

      after(async () => project?.cleanup());

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
          join(project!.bin, 'uvicorn'),
          ['app.main:app', '--port', String(port)],
          project!.root,
          project!.env,
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
            : serverUrl(database, project!.dbName).replace(/:(5432|3306)\//, ':1/');
        const port = await freePort();
        const result = await run(join(project!.bin, 'uvicorn'), ['app.main:app', '--port', String(port)], {
          cwd: project!.root,
          env: { ...project!.env, DATABASE_URL: unreachable },
          timeoutMs: 60_000,
        });
        assert.notEqual(result.status, 0);
        assert.match(result.output, /Cannot reach the database at/);
        assert.match(result.output, /Application startup failed/);
      });
    });
  }
}
