/**
 * Database faults end to end, on private PostgreSQL and MariaDB servers that the tests crash, freeze and lock: a
 * --no-auth SQLAlchemy project with a Note resource under uvicorn, with small pool and timeout settings. Every
 * fault answers 503 with Retry-After within a computed bound (never a 500, never a hang), /health tells the truth
 * on its own connection, the app recovers without a restart, no acknowledged write is lost, and concurrent
 * updates and deletes of the same rows answer 2xx, 404 or 409 (on MariaDB also with innodb_snapshot_isolation=ON,
 * the default of MariaDB 11.6.2 and later).
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Database } from '../../src/lib/config.js';
import { runGenerator } from '../support/generate.js';
import { freePort, startProcess, waitForHttp, type Served } from '../support/http.js';
import { Recorder, sleep, startLoad, waitForStatus, type Load, type Sample } from '../support/load.js';
import { FORGE_GENERATORS, generatorPath } from '../support/paths.js';
import { startPrivateMariadb, startPrivatePostgres, type PrivateServer } from '../support/private-db.js';
import { generateProject, IN_CI } from '../support/project.js';
import { installProject, mustRun, run } from '../support/python.js';

/** The app's settings, in seconds: small, so that every fault resolves fast. */
const POOL_TIMEOUT = 2;
const DB_CONNECT_TIMEOUT = 2;
const DB_STATEMENT_TIMEOUT = 2;
/** The client's grace after a statement timeout, on a server that does not answer (`CLIENT_GRACE_SECONDS`). */
const CLIENT_GRACE = 1;
/** SQLAlchemy's close of a connection that broke, e.g. the rollback that finds it dead. */
const BROKEN_CLOSE = 2;
/** For a loaded 2-core machine (the suite runs two spec files at once). */
const MARGIN = 3;
/**
 * The longest a request may take while the database fails, in ms: a wait for a pooled connection, a new
 * connection, one round trip the server does not answer until the client gives up, and the close of the broken
 * connection: 2 + 2 + (2 + 1) + 2 + 3 = 12 s.
 */
const REQUEST_BOUND_MS =
  (POOL_TIMEOUT + DB_CONNECT_TIMEOUT + DB_STATEMENT_TIMEOUT + CLIENT_GRACE + BROKEN_CLOSE + MARGIN) * 1000;
/** The clients give up well after the bound, so that a slow answer is measured rather than cut short. */
const CLIENT_TIMEOUT_MS = REQUEST_BOUND_MS + 15_000;
/** /health's check gives up after 5 s (CONNECT_CHECK_TIMEOUT_SECONDS); 1.5 s margin. */
const HEALTH_BOUND_MS = (5 + 1.5) * 1000;
/**
 * How soon /health answers 200 once the server accepts connections again: a check that began just before ran
 * out its 5 s, then the next one succeeds.
 */
const RECOVERY_BOUND_MS = 2 * HEALTH_BOUND_MS;
const CLIENTS = 8;
/** How long the external lock of the pool-exhaustion test is held, in seconds: well past the requests. */
const LOCK_SECONDS = 8;

const APP_SETTINGS = {
  POOL_SIZE: '2',
  POOL_MAX_OVERFLOW: '0',
  POOL_TIMEOUT: String(POOL_TIMEOUT),
  POOL_PRE_PING: 'true',
  DB_CONNECT_TIMEOUT: String(DB_CONNECT_TIMEOUT),
  DB_STATEMENT_TIMEOUT: String(DB_STATEMENT_TIMEOUT),
  LOG_LEVEL: 'WARNING',
};
const LOAD_STATUSES = new Set([200, 201, 404, 503]);
const UNAVAILABLE = { detail: 'The database is unavailable; retry later' };
const NOTES = '/api/v1/notes';

const CASES: { database: Database; label: string; start: () => Promise<PrivateServer> }[] = [
  { database: 'postgresql', label: 'PostgreSQL', start: startPrivatePostgres },
  { database: 'mysql', label: 'MariaDB', start: startPrivateMariadb },
];

for (const { database, label, start } of CASES) {
  describe(`e2e faults: ${label} (private server) + sqlalchemy --no-auth`, function () {
    this.timeout(300_000);
    const dbName = 'forge_faults';
    let server: PrivateServer | undefined;
    let root: string | undefined;
    let app: Served | undefined;
    let base = '';
    /** The venv's bin folder and the app's environment. */
    let bin = '';
    let env: NodeJS.ProcessEnv = {};
    let began = 0;

    before(async function () {
      began = performance.now();
      try {
        server = await start();
      } catch (error) {
        const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
        const message = `private ${label} server could not start: ${reason}`;
        if (IN_CI) throw new Error(`${message} (CI=true: nothing may be skipped)`, { cause: error });
        console.log(`      skipped: ${message}`);
        this.skip();
      }
      root = await generateProject(database, 'sqlalchemy', { auth: false });
      await runGenerator(generatorPath('crud'))
        .withGenerators(FORGE_GENERATORS)
        .cd(root)
        .withArguments(['Note', 'body:text'])
        .withOptions({ force: true });
      bin = await installProject(root);
      await server.createDatabase(dbName);
      env = {
        ...process.env,
        PATH: `${bin}:${process.env['PATH']}`,
        DATABASE_URL: server.url(dbName),
        ...APP_SETTINGS,
      };
      delete env['TEST_DATABASE_URL'];
      await mustRun(join(bin, 'alembic'), ['upgrade', 'head'], { cwd: root, env });
      ({ app, base } = await serve(bin, root, env));
      const { initMs, startMs } = server.timings;
      const setup = ms(performance.now() - began);
      console.log(`      setup ${setup} (server init ${initMs} ms, start ${startMs} ms)`);
    });

    after(async () => {
      const code = await app?.stop();
      await server?.destroy();
      if (root !== undefined) rmSync(join(root, '..'), { recursive: true, force: true });
      console.log(`      ${label}: ${ms(performance.now() - began)} in all`);
      assert.ok(code === undefined || code === 0, `uvicorn exited with ${code}:\n${app?.output()}`);
    });

    /** The server is up and thawed, and the app answers /health 200 (each test starts from there). */
    beforeEach(async () => {
      if (server === undefined) return;
      server.thaw();
      await server.start();
      await waitForStatus(`${base}/health`, 200, RECOVERY_BOUND_MS);
      logged = app!.output().length;
    });

    /**
     * What uvicorn logged since the last call, summed up: it must still run, and no request may have failed as a
     * bug (the 500 handler's "Unhandled error on" or an exception that escaped the app). Other errors, such as
     * SQLAlchemy's own about a connection it closes, are printed for the record.
     */
    let logged = 0;
    const checkAppLog = () => {
      const output = app!.output().slice(logged);
      logged += output.length;
      const lines = output.split('\n');
      const warnings = lines.filter((line) => line.startsWith('WARNING'));
      const errors = lines.flatMap((line, i) =>
        line.startsWith('ERROR') ? [`${line} / ${lines[i + 1]}`] : [],
      );
      // Request ids (at the end of a text line) and numbers vary; the shapes of the lines do not.
      const shape = (line: string) =>
        line
          .replace(/ \[[\w.-]+\](?= \/ |$)/g, '')
          .replace(/\d+/g, 'N')
          .slice(0, 200);
      console.log(`      uvicorn logged ${warnings.length} warnings, ${errors.length} errors`);
      for (const line of new Set([...warnings, ...errors].map(shape))) console.log(`        ${line}`);
      assert.equal(app!.process.exitCode, null, `uvicorn exited:\n${output}`);
      assert.doesNotMatch(output, /Unhandled error on|Exception in ASGI application/, output);
    };

    it('answers 503 while the server is down, recovers when it is back, and loses no acknowledged write', async () => {
      const db = server!;
      const recorder = new Recorder(base, CLIENT_TIMEOUT_MS);
      const health = new Recorder(base, CLIENT_TIMEOUT_MS);
      const acknowledged = new Map<number, string>();
      const load = noteLoad(recorder, acknowledged, 'crash');
      const poller = startLoad(1, async () => {
        await health.send('GET', '/health');
        await sleep(200);
      });
      let down: number;
      let restart: number;
      let restarted: number;
      let recovered: number;
      try {
        await sleep(1500);
        await db.stop();
        down = performance.now();
        await sleep(4000);
        restart = performance.now();
        await db.start();
        restarted = performance.now();
        console.log(`      server down ${ms(restarted - down)} (start ${ms(restarted - restart)})`);
        await waitForStatus(`${base}/health`, 200, RECOVERY_BOUND_MS);
        recovered = performance.now();
        await sleep(3000);
      } finally {
        await Promise.all([load.stop(), poller.stop()]);
      }
      checkLoad(recorder.samples, 'crash');
      assert.ok(
        recorder.sentBetween(down, restart).some((s) => s.status === 503),
        'no request answered 503 while the server was down',
      );
      checkHealth(health.samples);
      assert.ok(
        health.sentBetween(down).some((s) => s.status === 503 && s.startedAt + s.ms < restart),
        '/health never answered 503 while the server was down',
      );
      console.log(
        `      /health 200 again ${ms(recovered - restarted)} after the server accepted connections`,
      );
      checkRecovered(recorder, recovered);
      await checkNoLostWrite(base, acknowledged);
      checkAppLog();
    });

    it('answers 503 within the bound while the server is frozen, and recovers when it thaws', async () => {
      const db = server!;
      const recorder = new Recorder(base, CLIENT_TIMEOUT_MS);
      const acknowledged = new Map<number, string>();
      const load = noteLoad(recorder, acknowledged, 'freeze');
      let frozen: number;
      let thawed: number;
      let recovered: number;
      let probe: Sample;
      try {
        await sleep(1500);
        db.freeze();
        frozen = performance.now();
        probe = await new Recorder(base, CLIENT_TIMEOUT_MS).send('GET', '/health');
        await sleep(Math.max(500, 5000 - (performance.now() - frozen)));
        db.thaw();
        thawed = performance.now();
        await waitForStatus(`${base}/health`, 200, RECOVERY_BOUND_MS);
        recovered = performance.now();
        await sleep(3000);
      } finally {
        db.thaw();
        await load.stop();
      }
      console.log(
        `      frozen ${ms(thawed - frozen)}; /health answered ${probe.status} in ${ms(probe.ms)}; ` +
          `200 again ${ms(recovered - thawed)} after the thaw`,
      );
      assert.equal(probe.status, 503, `/health while frozen: ${probe.body}`);
      assert.ok(probe.ms <= HEALTH_BOUND_MS, `/health took ${ms(probe.ms)} while frozen`);
      checkLoad(recorder.samples, 'freeze');
      assert.ok(
        recorder.sentBetween(frozen, thawed).some((s) => s.status === 503),
        'no request answered 503 while the server was frozen',
      );
      checkRecovered(recorder, recovered);
      await checkNoLostWrite(base, acknowledged);
      checkAppLog();
    });

    it('answers 503 on a statement timeout and an exhausted pool while /health stays 200', async () => {
      const db = server!;
      const recorder = new Recorder(base, CLIENT_TIMEOUT_MS);
      const existing = await recorder.send('POST', NOTES, { body: 'before the lock' });
      assert.equal(existing.status, 201, existing.body);
      const id = (JSON.parse(existing.body) as { id: number }).id;
      const before = await total(recorder);

      const locker = holdLock(db, dbName);
      let released = false;
      const lockDone = locker.then((result) => {
        released = true;
        return result;
      });
      await waitForLock(db, dbName);
      const locked = performance.now();
      const requests = Array.from({ length: 10 }, (_, i) =>
        i % 3 === 0
          ? recorder.send('GET', `${NOTES}/${id}`)
          : i % 3 === 1
            ? recorder.send('GET', NOTES)
            : recorder.send('POST', NOTES, { body: `during the lock ${i}` }),
      );
      // /health, every 300 ms while the requests wait.
      const health = new Recorder(base, CLIENT_TIMEOUT_MS);
      const poller = startLoad(1, async () => {
        await health.send('GET', '/health');
        await sleep(300);
      });
      const answers = await Promise.all(requests);
      await poller.stop();
      const answeredWhileLocked = !released;
      const lockResult = await lockDone;
      assert.equal(lockResult.status, 0, `the locking client failed:\n${lockResult.output}`);

      const slowest = Math.max(...answers.map((s) => s.ms));
      console.log(
        `      10 requests on a locked table: ${statusCounts(answers)}, slowest ${ms(slowest)}; ` +
          `/health ${statusCounts(health.samples)}, slowest ${ms(Math.max(...health.samples.map((s) => s.ms)))}; ` +
          `lock released ${ms(performance.now() - locked)} after it was taken`,
      );
      assert.ok(answeredWhileLocked, `the lock (${LOCK_SECONDS} s) ended before every request answered`);
      for (const sample of answers) {
        assert.equal(sample.status, 503, describeSample(sample));
        checkUnavailable(sample);
      }
      assert.ok(slowest <= REQUEST_BOUND_MS, `a request took ${ms(slowest)} (bound ${ms(REQUEST_BOUND_MS)})`);
      for (const sample of health.samples) {
        assert.equal(sample.status, 200, `/health during the lock: ${describeSample(sample)}`);
      }

      const after = await recorder.send('POST', NOTES, { body: 'after the lock' });
      assert.equal(after.status, 201, describeSample(after));
      const read = await recorder.send('GET', `${NOTES}/${id}`);
      assert.equal(read.status, 200, describeSample(read));
      // A POST that answered 503 wrote nothing, not even once the lock was gone.
      await sleep(500);
      assert.equal(await total(recorder), before + 1, 'notes created by requests that answered 503');
      checkAppLog();
    });

    /**
     * Run `body` against a second app on the same database whose pool is wide enough for every request at once,
     * so that concurrent requests meet in the database (row locks, snapshots), not in the queue for two pooled
     * connections. That app must log no warning or error and stop cleanly.
     */
    const withWideApp = async (body: (recorder: Recorder) => Promise<void>) => {
      const wide = await serve(bin, root!, { ...env, POOL_SIZE: '20', POOL_TIMEOUT: '30' });
      let code: number | null;
      try {
        await body(new Recorder(wide.base, CLIENT_TIMEOUT_MS));
      } catch (error) {
        // The app's own account of the failure: its error lines and the exceptions' last lines, once each.
        const lines = wide.app.output().split('\n');
        const why = lines
          .filter((line) => /^ERROR|^\w+(\.\w+)*(Error|Exception):/.test(line))
          .map((line) => line.replace(/\/\d+/g, '/N').replace(/ \[[\w.-]+\]$/, ''));
        const distinct = [...new Set(why)].slice(0, 10);
        console.log(`      the second app logged:\n        ${distinct.join('\n        ')}`);
        throw error;
      } finally {
        code = await wide.app.stop();
      }
      const output = wide.app.output();
      assert.equal(code, 0, `the second uvicorn exited with ${code}:\n${output}`);
      assert.doesNotMatch(output, /^(ERROR|WARNING)|Traceback/m, output);
    };

    it('answers 2xx, 404 or 409 to concurrent updates and deletes of the same rows, and deletes each once', async () => {
      await withWideApp(raceNotes);
      checkAppLog();
    });

    if (database === 'mysql') {
      it('does the same with innodb_snapshot_isolation=ON, the default from MariaDB 11.6.2', async function () {
        const db = server!;
        const variable = await db.sql("SHOW GLOBAL VARIABLES LIKE 'innodb_snapshot_isolation'");
        if (variable.trim() === '') {
          const message = 'this MariaDB has no innodb_snapshot_isolation (before 10.6.18)';
          if (IN_CI) throw new Error(`${message} (CI=true: nothing may be skipped)`);
          console.log(`      skipped: ${message}`);
          this.skip();
        }
        // Sessions opened from now on, i.e. every connection of the second app, take the global value.
        await db.sql('SET GLOBAL innodb_snapshot_isolation = ON');
        try {
          await withWideApp(raceNotes);
        } finally {
          await db.sql('SET GLOBAL innodb_snapshot_isolation = OFF');
        }
      });
    }
  });
}

/**
 * Create 20 notes, then hit each with three PATCHes and three DELETEs at once (all 120 requests together), the
 * DELETEs a few milliseconds apart so that some land between a PATCH's read and its write. Every answer is 2xx,
 * 404 or 409, a PATCH that succeeded returns its own change, exactly one DELETE of each note took effect, and
 * every note is gone.
 */
async function raceNotes(recorder: Recorder): Promise<void> {
  const ids: number[] = [];
  for (let i = 0; i < 20; i++) {
    const created = await recorder.send('POST', NOTES, { body: `race ${i}` });
    assert.equal(created.status, 201, describeSample(created));
    ids.push((JSON.parse(created.body) as { id: number }).id);
  }
  const racing = await Promise.all(
    ids.map((id, note) =>
      Promise.all(
        [0, 1, 2].flatMap((i) => [
          recorder.send('PATCH', `${NOTES}/${id}`, { body: `patched ${i}` }),
          sleep((note % 5) * (i + 1)).then(() => recorder.send('DELETE', `${NOTES}/${id}`)),
        ]),
      ),
    ),
  );
  const all = racing.flat();
  const slowest = Math.max(...all.map((s) => s.ms));
  console.log(`      ${all.length} racing requests: ${statusCounts(all)}, slowest ${ms(slowest)}`);
  for (const sample of all) {
    const ok = (sample.status >= 200 && sample.status < 300) || [404, 409].includes(sample.status);
    assert.ok(ok, describeSample(sample));
  }
  for (const samples of racing) {
    for (const [i, sample] of samples.entries()) {
      if (sample.method === 'PATCH' && sample.status === 200) {
        assert.equal((JSON.parse(sample.body) as { body: string }).body, `patched ${i / 2}`);
      }
    }
    const deleted = samples.filter((s) => s.method === 'DELETE' && s.status === 204);
    assert.equal(deleted.length, 1, `one DELETE of a row takes effect: ${statusCounts(samples)}`);
  }
  for (const id of ids) {
    const gone = await recorder.send('GET', `${NOTES}/${id}`);
    assert.equal(gone.status, 404, describeSample(gone));
  }
}

/** uvicorn serving the project on a free port, once /health answers 200. */
async function serve(
  bin: string,
  root: string,
  env: NodeJS.ProcessEnv,
): Promise<{ app: Served; base: string }> {
  const port = await freePort();
  const args = ['app.main:app', '--port', String(port), '--no-access-log'];
  const app = startProcess(join(bin, 'uvicorn'), args, root, env);
  const base = `http://127.0.0.1:${port}`;
  const health = await waitForHttp(`${base}/health`, app).catch(async (error: unknown) => {
    await app.stop();
    throw error;
  });
  if (health.status !== 200) {
    await app.stop();
    throw new Error(`/health answered ${health.status}: ${health.body}`);
  }
  return { app, base };
}

/** The number of notes, from the list's total. */
async function total(recorder: Recorder): Promise<number> {
  const list = await recorder.send('GET', `${NOTES}?limit=1`);
  assert.equal(list.status, 200, describeSample(list));
  return (JSON.parse(list.body) as { total: number }).total;
}

/** Clients that each POST a note, then GET it back, in a loop; 201s are recorded in `acknowledged`. */
function noteLoad(recorder: Recorder, acknowledged: Map<number, string>, tag: string): Load {
  let sequence = 0;
  return startLoad(CLIENTS, async (client) => {
    const body = `${tag} ${client} ${sequence++} ${Math.random()}`;
    const created = await recorder.send('POST', NOTES, { body });
    if (created.status !== 201) {
      // Unavailable: a short pause, as a client honouring nothing but its own patience would.
      await sleep(100);
      return;
    }
    const id = (JSON.parse(created.body) as { id: number }).id;
    acknowledged.set(id, body);
    await recorder.send('GET', `${NOTES}/${id}`);
  });
}

/**
 * Every answer under load is 200, 201, 404 or 503 within the bound; a 503 carries Retry-After and the
 * documented detail; the GET of a note that was just created never answers 404.
 */
function checkLoad(samples: Sample[], phase: string): void {
  const slowest = samples.reduce((max, s) => (s.ms > max.ms ? s : max), samples[0]!);
  console.log(
    `      ${phase}: ${samples.length} requests, ${statusCounts(samples)}; slowest ${ms(slowest.ms)} ` +
      `(${slowest.method} -> ${slowest.status}; bound ${ms(REQUEST_BOUND_MS)})`,
  );
  for (const sample of samples) {
    assert.ok(LOAD_STATUSES.has(sample.status), describeSample(sample));
    if (sample.status === 503) checkUnavailable(sample);
    if (sample.method === 'GET')
      assert.notEqual(sample.status, 404, `a created note: ${describeSample(sample)}`);
  }
  assert.ok(slowest.ms <= REQUEST_BOUND_MS, `slowest: ${describeSample(slowest)}`);
}

function checkUnavailable(sample: Sample): void {
  assert.match(sample.retryAfter ?? '', /^\d+$/, `Retry-After: ${describeSample(sample)}`);
  assert.deepEqual(JSON.parse(sample.body), UNAVAILABLE);
}

/** /health answers 200 or 503 with its JSON, within its bound. */
function checkHealth(samples: Sample[]): void {
  const slowest = Math.max(...samples.map((s) => s.ms));
  console.log(`      /health: ${samples.length} probes, ${statusCounts(samples)}; slowest ${ms(slowest)}`);
  for (const sample of samples) {
    assert.ok([200, 503].includes(sample.status), describeSample(sample));
    const expected =
      sample.status === 200
        ? { status: 'ok', database: 'ok' }
        : { status: 'unavailable', database: 'unreachable' };
    assert.deepEqual(JSON.parse(sample.body), expected);
    assert.ok(sample.ms <= HEALTH_BOUND_MS, `/health: ${describeSample(sample)}`);
  }
}

/** Once /health is 200 again the app serves requests: everything sent a second later succeeded. */
function checkRecovered(recorder: Recorder, recovered: number): void {
  const later = recorder.sentBetween(recovered + 1000);
  assert.ok(
    later.some((s) => s.status === 201),
    'no note was created after recovery',
  );
  for (const sample of later) assert.ok(sample.status < 300, `after recovery: ${describeSample(sample)}`);
}

/** Every note acknowledged with 201 reads back with the body that was sent. */
async function checkNoLostWrite(base: string, acknowledged: Map<number, string>): Promise<void> {
  const reader = new Recorder(base, CLIENT_TIMEOUT_MS);
  await inParallel([...acknowledged], 4, async ([id, body]) => {
    const read = await reader.send('GET', `${NOTES}/${id}`);
    assert.equal(read.status, 200, `acknowledged note ${id}: ${describeSample(read)}`);
    assert.equal((JSON.parse(read.body) as { body: string }).body, body);
  });
  console.log(`      ${acknowledged.size} acknowledged notes read back`);
  assert.ok(acknowledged.size > 0, 'no note was acknowledged');
}

/** A client of the server's own that locks the notes table for LOCK_SECONDS, from outside the app. */
function holdLock(db: PrivateServer, dbName: string) {
  if (db.kind === 'postgresql') {
    const script = `BEGIN; LOCK TABLE notes IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(${LOCK_SECONDS}); COMMIT;`;
    const args = ['-X', '-h', '127.0.0.1', '-p', String(db.port), '-U', 'postgres', '-d', dbName];
    return run('psql', [...args, '-v', 'ON_ERROR_STOP=1', '-qAtc', script], { timeoutMs: 60_000 });
  }
  const script = `LOCK TABLES notes WRITE; SELECT SLEEP(${LOCK_SECONDS}); UNLOCK TABLES;`;
  const args = ['--no-defaults', '--protocol=TCP', '-h', '127.0.0.1', '-P', String(db.port), '-u', 'root'];
  return run('mysql', [...args, '-D', dbName, '-N', '-B', '-e', script], { timeoutMs: 60_000 });
}

/** Wait until the locking client holds its lock (it is sleeping inside it). */
async function waitForLock(db: PrivateServer, dbName: string): Promise<void> {
  const query =
    db.kind === 'postgresql'
      ? "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'notes' " +
        "AND l.mode = 'AccessExclusiveLock' AND l.granted"
      : `SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP(${LOCK_SECONDS})%'`;
  const deadline = performance.now() + 10_000;
  while ((await db.sql(query, dbName)).trim() !== '1') {
    if (performance.now() > deadline) throw new Error('the locking client did not take its lock');
    await sleep(50);
  }
}

/** Run `work` on every item, at most `limit` at a time. */
async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: limit }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(workers);
}

function statusCounts(samples: Sample[]): string {
  const counts = new Map<number, number>();
  for (const sample of samples) counts.set(sample.status, (counts.get(sample.status) ?? 0) + 1);
  return [...counts]
    .sort(([a], [b]) => a - b)
    .map(([status, count]) => `${count}x${status}`)
    .join(' ');
}

function describeSample(sample: Sample): string {
  const what = sample.error ?? sample.body.slice(0, 300);
  return `${sample.method} ${sample.path} -> ${sample.status} in ${ms(sample.ms)}: ${what}`;
}

function ms(value: number): string {
  return `${(value / 1000).toFixed(2)} s`;
}
