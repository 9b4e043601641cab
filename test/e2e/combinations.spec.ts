/**
 * The proof: for every database x ORM (with authentication, the default, email, Redis and metrics), and once without authentication,
 * generate a project with the generator, install it, migrate it on a real server, check that models and
 * migrations agree, run its own test suite and linters, and serve it: /health, /docs, and the login flow over
 * HTTP (register, log in, refresh, /users/me, superuser-only endpoints).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATABASES, ORMS, type Database, type Orm } from '../../src/lib/config.js';
import { call, freePort } from '../support/http.js';
import { linkToken, startMailSink } from '../support/mail.js';
import { startPrivateRedis } from '../support/redis.js';
import {
  checkToolConfig,
  createSuperuser,
  passGeneratedTests,
  prepareProject,
  withServer,
  type E2EProject,
} from '../support/project.js';
import { mustFail } from '../support/python.js';
import { serverUrl } from '../support/servers.js';

const CASES: { database: Database; orm: Orm; auth: boolean }[] = [
  ...DATABASES.flatMap((database) => ORMS.map((orm) => ({ database, orm, auth: true }))),
  { database: 'sqlite', orm: 'sqlalchemy', auth: false },
];

for (const { database, orm, auth } of CASES) {
  describe(`e2e: ${database} + ${orm}${auth ? '' : ' --no-auth'}`, function () {
    this.timeout(600_000);
    let project: E2EProject | undefined;
    const inProject = (command: string, args: string[], timeoutMs?: number) =>
      project!.run(command, args, timeoutMs);

    before(async function () {
      project = await prepareProject(this, database, orm, auth ? 'e2e' : 'noauth', {
        auth,
        email: auth,
        redis: auth,
        metrics: auth,
      });
    });

    after(async () => project?.cleanup());

    it('migrates up, matches the models, migrates down and up again', async () => {
      await inProject('alembic', ['upgrade', 'head']);
      const check = await inProject('alembic', ['check']);
      assert.match(check, /No new upgrade operations detected/);
      await inProject('alembic', ['downgrade', 'base']);
      await inProject('alembic', ['upgrade', '+1']);
      const current = /^([0-9a-f]{12})\b/m.exec(await inProject('alembic', ['current']));
      assert.ok(current, 'alembic current names the revision');
      await inProject('alembic', ['downgrade', '-1']);
      await inProject('alembic', ['upgrade', 'head']);
      await inProject('alembic', ['downgrade', current[1]!]);
      const history = await inProject('alembic', ['history', '--verbose']);
      assert.match(history, /create users table/);
      assert.equal(/create refresh_tokens table/.test(history), auth);
      await inProject('alembic', ['upgrade', 'head']);
    });

    it("passes the generated project's own test suite, every test it defines", async () => {
      await passGeneratedTests(project!);
    });

    it('is ruff-clean, ruff-format-clean and mypy --strict clean as rendered', async () => {
      await checkToolConfig(project!);
      await inProject('ruff', ['check', '--no-cache', '.']);
      await inProject('ruff', ['format', '--no-cache', '--check', '.']);
      await inProject('mypy', ['--no-incremental']);
    });

    it('serves /health and /docs under uvicorn, and shuts down cleanly', async () => {
      const output = await withServer(project!, async (base) => {
        const health = await fetch(`${base}/health`);
        // With auth the project has Redis too.
        const expected = { status: 'ok', database: 'ok', ...(auth ? { redis: 'ok' } : {}) };
        assert.deepEqual(await health.json(), expected);
        assert.equal((await fetch(`${base}/docs`)).status, 200);
      });
      assert.match(output, /Database connection OK/);
      assert.match(output, /Database connections closed/);
      assert.match(output, /Application shutdown complete/);
    });

    if (auth) {
      it('registers, logs in, refreshes, calls /users/me; the superuser from the CLI may list users', async () => {
        assert.match(await createSuperuser(project!, 'root-password'), /Created superuser root/);
        await withServer(project!, async (base) => {
          const alice = { username: 'alice', email: 'alice@example.com', password: 's3cret-pass' };
          assert.equal((await call(base, 'POST', '/auth/register', { json: alice })).status, 201);
          const login = await call(base, 'POST', '/auth/login', {
            form: { username: 'alice', password: alice.password },
          });
          assert.equal(login.status, 200, JSON.stringify(login.json));
          assert.equal(login.json['token_type'], 'bearer');
          const wrong = await call(base, 'POST', '/auth/login', {
            form: { username: 'alice', password: 'nope' },
          });
          const unknown = await call(base, 'POST', '/auth/login', {
            form: { username: 'bob', password: 'nope' },
          });
          assert.deepEqual([wrong.status, unknown.status], [401, 401]);
          assert.deepEqual(wrong.json, unknown.json);
          // A flood of wrong passwords from one address (X-Forwarded-For, which uvicorn believes from
          // 127.0.0.1): past the default limits (30 logins a minute per address, 10 per account) it is
          // refused with 429 and Retry-After before any hash runs. What does run holds no pooled
          // connection during Argon2: every answer is a 401 or a 429 (not a 500 from an exhausted pool),
          // and /health, during it, says the database is fine.
          const flooder = { 'x-forwarded-for': '198.51.100.7' };
          const flood = Array.from({ length: 100 }, (_, n) =>
            call(base, 'POST', '/auth/login', {
              // Four in five for alice: whatever order they are served in, more than 10 of the 30 that
              // pass the address's limit count on her account.
              form: { username: n % 5 ? 'alice' : `nobody${n}`, password: 'nope' },
              headers: flooder,
            }),
          );
          const healthDuringFlood = fetch(`${base}/health`);
          const answers = await Promise.all(flood);
          assert.deepEqual([...new Set(answers.map((response) => response.status))].sort(), [401, 429]);
          assert.ok(answers.filter((response) => response.status === 401).length <= 30);
          for (const limited of answers.filter((response) => response.status === 429)) {
            assert.deepEqual(Object.keys(limited.json), ['detail']);
            const wait = Number(limited.headers.get('retry-after'));
            assert.ok(Number.isInteger(wait) && wait >= 1 && wait <= 60, `Retry-After ${wait}`);
          }
          assert.equal((await healthDuringFlood).status, 200);
          // Alice's account is limited from any address, her right password included; other accounts
          // from other addresses are not (the logins below come from 127.0.0.1).
          const elsewhere = await call(base, 'POST', '/auth/login', {
            form: { username: 'alice', password: alice.password },
            headers: { 'x-forwarded-for': '203.0.113.9' },
          });
          assert.equal(elsewhere.status, 429, JSON.stringify(elsewhere.json));

          const refreshed = await call(base, 'POST', '/auth/refresh', {
            json: { refresh_token: login.json['refresh_token'] },
          });
          assert.equal(refreshed.status, 200, JSON.stringify(refreshed.json));
          const token = refreshed.json['access_token'] as string;
          const me = await call(base, 'GET', '/users/me', { token });
          assert.deepEqual([me.status, me.json['username']], [200, 'alice']);
          const reused = await call(base, 'POST', '/auth/refresh', {
            json: { refresh_token: login.json['refresh_token'] },
          });
          assert.equal(reused.status, 401);
          assert.equal(
            (await call(base, 'GET', '/users/me', { token: login.json['refresh_token'] as string })).status,
            401,
          );
          assert.equal((await call(base, 'GET', '/users/me', { token: 'not.a.token' })).status, 401);
          assert.equal((await call(base, 'GET', '/users', { token })).status, 403);

          const root = await call(base, 'POST', '/auth/login', {
            form: { username: 'root', password: 'root-password' },
          });
          assert.equal(root.status, 200, JSON.stringify(root.json));
          const users = await call(base, 'GET', '/users', { token: root.json['access_token'] as string });
          assert.deepEqual([users.status, users.json['total']], [200, 2]);
          // Sessions: each login is one, listed with its client; one signed out, then all of them.
          const rootToken = root.json['access_token'] as string;
          const second = await call(base, 'POST', '/auth/login', {
            form: { username: 'root', password: 'root-password' },
          });
          const listed = await call(base, 'GET', '/users/me/sessions', { token: rootToken });
          const sessions = listed.json as unknown as { id: string; user_agent: string }[];
          assert.deepEqual([listed.status, sessions.length], [200, 2], JSON.stringify(listed.json));
          assert.equal(sessions[0]!.user_agent, 'node');
          const ended = await call(base, 'DELETE', `/users/me/sessions/${sessions[1]!.id}`, {
            token: rootToken,
          });
          assert.equal(ended.status, 204);
          const refreshOf = (pair: typeof root) =>
            call(base, 'POST', '/auth/refresh', { json: { refresh_token: pair.json['refresh_token'] } });
          assert.equal((await refreshOf(root)).status, 401);
          const stillLive = await refreshOf(second);
          assert.equal(stillLive.status, 200, JSON.stringify(stillLive.json));
          const logout = await call(base, 'POST', '/auth/logout', {
            json: { refresh_token: stillLive.json['refresh_token'] },
          });
          assert.equal(logout.status, 204);
          assert.equal((await refreshOf(stillLive)).status, 401);
          const third = await call(base, 'POST', '/auth/login', {
            form: { username: 'root', password: 'root-password' },
          });
          const all = await call(base, 'POST', '/auth/logout-all', { token: rootToken });
          assert.equal(all.status, 204);
          assert.equal((await refreshOf(third)).status, 401);
          const none = await call(base, 'GET', '/users/me/sessions', { token: rootToken });
          assert.deepEqual(none.json, []);
        });
      });

      it('verifies an address and resets a password with the emails a real SMTP server receives; a server down fails no request', async () => {
        const sink = await startMailSink(join(project!.root, '..'));
        const smtp = {
          EMAIL_BACKEND: 'smtp',
          SMTP_HOST: '127.0.0.1',
          SMTP_PORT: String(sink.port),
          SMTP_SECURITY: 'none',
          FRONTEND_URL: 'https://app.example.com',
        };
        try {
          const output = await withServer(
            project!,
            async (base) => {
              const dora = { username: 'dora', email: 'dora@example.com', password: 'dora-pass-1' };
              const login = (password: string) =>
                call(base, 'POST', '/auth/login', { form: { username: 'dora', password } });
              const registered = await call(base, 'POST', '/auth/register', { json: dora });
              assert.equal(registered.status, 201);
              assert.equal(registered.json['is_verified'], false);
              // The link in the email, as the user's frontend receives it.
              const verify = await linkToken(sink, dora.email, 'https://app.example.com/verify-email');
              assert.equal(
                (await call(base, 'POST', '/auth/verify-email', { json: { token: verify } })).status,
                204,
              );
              const first = await login(dora.password);
              assert.equal(first.status, 200);
              const me = await call(base, 'GET', '/users/me', { token: String(first.json['access_token']) });
              assert.equal(me.json['is_verified'], true);
              const again = await call(base, 'POST', '/auth/verify-email', { json: { token: verify } });
              assert.equal(again.status, 400);

              const forgot = await call(base, 'POST', '/auth/forgot-password', {
                json: { email: 'DORA@example.com' },
              });
              const nobody = await call(base, 'POST', '/auth/forgot-password', {
                json: { email: 'nobody@example.com' },
              });
              assert.deepEqual([forgot.status, nobody.status], [202, 202]);
              assert.deepEqual(forgot.json, nobody.json);
              const reset = await linkToken(sink, dora.email, 'https://app.example.com/reset-password');
              const newPassword = { token: reset, new_password: 'dora-pass-2' };
              assert.equal(
                (await call(base, 'POST', '/auth/reset-password', { json: newPassword })).status,
                204,
              );
              const oldRefresh = { refresh_token: String(first.json['refresh_token']) };
              assert.equal((await call(base, 'POST', '/auth/refresh', { json: oldRefresh })).status, 401);
              assert.equal((await login(dora.password)).status, 401);
              assert.equal((await login('dora-pass-2')).status, 200);
              const reused = await call(base, 'POST', '/auth/reset-password', {
                json: { token: reset, new_password: 'dora-pass-3' },
              });
              assert.equal(reused.status, 400);
              assert.equal(
                (await call(base, 'POST', '/auth/verify-email', { json: { token: reset } })).status,
                400,
              );
              assert.deepEqual(
                sink.received().map((message) => message.to),
                [dora.email, dora.email],
                'nothing was sent for nobody@example.com',
              );

              // The mail server goes away: asking for an email still succeeds, the failure is logged.
              await sink.stop();
              const down = await call(base, 'POST', '/auth/forgot-password', { json: { email: dora.email } });
              assert.equal(down.status, 202);
              const erin = { username: 'erin', email: 'erin@example.com', password: 'erin-pass-1' };
              assert.equal((await call(base, 'POST', '/auth/register', { json: erin })).status, 201);
              assert.equal(
                (
                  await call(base, 'POST', '/auth/login', {
                    form: { username: 'erin', password: erin.password },
                  })
                ).status,
                200,
              );
            },
            { ...project!.env, ...smtp },
          );
          assert.match(output, /Email to dora@example\.com \(Set a new password for demo\) not sent/);
          assert.match(output, /Email to erin@example\.com \(Verify your email address for demo\) not sent/);
        } finally {
          await sink.stop();
        }
        // In development (.env: EMAIL_BACKEND=console) the email is logged with its link, not sent.
        const logged = await withServer(project!, async (base) => {
          const fay = { username: 'fay', email: 'fay@example.com', password: 'fay-pass-1' };
          assert.equal((await call(base, 'POST', '/auth/register', { json: fay })).status, 201);
        });
        assert.match(logged, /Email not sent \(EMAIL_BACKEND=console\) to fay@example\.com/);
        assert.match(logged, /http:\/\/localhost:3000\/verify-email\?token=\S+/);
      });

      it('reports Redis in /health; Redis stopped: 503, the database routes still answer; refuses to start without it', async () => {
        const redis = await startPrivateRedis();
        let running = true;
        try {
          const output = await withServer(
            project!,
            async (base) => {
              const up = await fetch(`${base}/health`);
              assert.deepEqual(
                [up.status, await up.json()],
                [200, { status: 'ok', database: 'ok', redis: 'ok' }],
              );
              await redis.stop();
              running = false;
              const down = await fetch(`${base}/health`);
              assert.deepEqual(
                [down.status, await down.json()],
                [503, { status: 'unavailable', database: 'ok', redis: 'unreachable' }],
              );
              // Register and login count in Redis: without it they are not limited, not refused.
              const gus = { username: 'gus', email: 'gus@example.com', password: 'gus-pass-1' };
              assert.equal((await call(base, 'POST', '/auth/register', { json: gus })).status, 201);
              const login = await call(base, 'POST', '/auth/login', {
                form: { username: 'gus', password: gus.password },
              });
              assert.equal(login.status, 200, JSON.stringify(login.json));
              const me = await call(base, 'GET', '/users/me', { token: String(login.json['access_token']) });
              assert.equal(me.json['username'], 'gus');
            },
            { ...project!.env, REDIS_URL: redis.url },
          );
          assert.match(output, /Redis connection OK/);
          assert.match(output, /Rate limits not enforced, their storage failed/);
        } finally {
          if (running) await redis.stop();
        }
        const port = await freePort();
        const refused = await mustFail(
          join(project!.bin, 'uvicorn'),
          ['app.main:app', '--port', String(port)],
          {
            cwd: project!.root,
            env: { ...project!.env, REDIS_URL: `redis://127.0.0.1:${await freePort()}/0` },
            timeoutMs: 60_000,
          },
        );
        assert.match(refused, /Cannot reach Redis at/);
        assert.match(refused, /Application startup failed/);
      });

      it('after traffic, /metrics has the route histograms under route templates and the pool gauges', async () => {
        await withServer(project!, async (base) => {
          const hal = { username: 'hal', email: 'hal@example.com', password: 'hal-pass-1' };
          assert.equal((await call(base, 'POST', '/auth/register', { json: hal })).status, 201);
          const login = await call(base, 'POST', '/auth/login', {
            form: { username: 'hal', password: hal.password },
          });
          const token = String(login.json['access_token']);
          for (let n = 0; n < 3; n++) {
            assert.equal((await call(base, 'GET', '/users/me', { token })).status, 200);
          }
          for (const id of [101, 202, 303]) {
            assert.equal((await call(base, 'GET', `/users/${id}`)).status, 401);
          }
          assert.equal((await fetch(`${base}/health`)).status, 200);
          const response = await fetch(`${base}/metrics`);
          assert.equal(response.status, 200);
          assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=/);
          const text = await response.text();
          const samples = parseMetrics(text);
          const value = (name: string, labels: Record<string, string> = {}) =>
            samples
              .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
              .reduce((sum, s) => sum + s.value, 0);
          const byId = { method: 'GET', handler: '/api/v1/users/{user_id:int}' };
          assert.equal(value('http_requests_total', { ...byId, status: '401' }), 3, text);
          const me = { method: 'GET', handler: '/api/v1/users/me' };
          assert.equal(value('http_requests_total', { ...me, status: '200' }), 3);
          const buckets = samples.filter(
            (s) =>
              s.name === 'http_request_duration_seconds_bucket' &&
              s.labels['handler'] === byId.handler &&
              s.labels['method'] === 'GET',
          );
          assert.deepEqual(
            buckets.map((s) => s.labels['le']),
            ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1.0', '2.5', '5.0', '10.0', '+Inf'],
          );
          assert.equal(buckets.at(-1)!.value, 3);
          assert.equal(value('http_request_duration_seconds_count', me), 3);
          assert.doesNotMatch(text, /\/users\/(101|202|303)/);
          const handlers = new Set(samples.map((s) => s.labels['handler']));
          assert.ok(!handlers.has('/health') && !handlers.has('/metrics'), [...handlers].join(', '));
          assert.equal(value('db_pool_size'), 20);
          assert.equal(value('db_pool_checked_out'), 0);
          assert.ok(value('db_pool_idle') >= 1, text);
          assert.equal(value('db_pool_overflow'), 0);
          assert.equal(value('redis_pool_in_use'), 0);
          assert.ok(value('redis_pool_idle') >= 1, text);
          const schema = (await (await fetch(`${base}/openapi.json`)).json()) as { paths: object };
          assert.ok(!('/metrics' in schema.paths));
        });
      });

      it('refuses to start in production with the placeholder SECRET_KEY', async () => {
        // The placeholder a user would copy from the generated .env.example.
        const example = readFileSync(join(project!.root, '.env.example'), 'utf8');
        const placeholder = /^SECRET_KEY=(.+)$/m.exec(example)![1]!;
        const env = { ...project!.env, ENVIRONMENT: 'production', SECRET_KEY: placeholder };
        const output = await mustFail(join(project!.bin, 'python'), ['-c', 'import app.main'], {
          cwd: project!.root,
          env,
          timeoutMs: 60_000,
        });
        assert.match(output, /SECRET_KEY is the placeholder from \.env\.example/);
      });
    } else {
      it('keeps the users endpoints open and has no auth endpoints', async () => {
        await withServer(project!, async (base) => {
          const alice = { username: 'alice', email: 'alice@example.com', password: 's3cret-pass' };
          assert.equal((await call(base, 'POST', '/users', { json: alice })).status, 201);
          assert.equal((await call(base, 'GET', '/users')).json['total'], 1);
          assert.equal(
            (
              await call(base, 'POST', '/auth/login', {
                form: { username: 'alice', password: alice.password },
              })
            ).status,
            404,
          );
        });
      });
    }

    it('refuses to start, saying why, when the database is unreachable', async () => {
      const unreachable =
        database === 'sqlite'
          ? 'sqlite+aiosqlite:////nonexistent-forge-folder/app.db'
          : serverUrl(database, project!.dbName).replace(/:(5432|3306)\//, ':1/');
      const port = await freePort();
      const output = await mustFail(join(project!.bin, 'uvicorn'), ['app.main:app', '--port', String(port)], {
        cwd: project!.root,
        env: { ...project!.env, DATABASE_URL: unreachable },
        timeoutMs: 60_000,
      });
      assert.match(output, /Cannot reach the database at/);
      assert.match(output, /Application startup failed/);
    });

    // Last: the user it registers would count in the listings of the tests above.
    it('logs JSON lines in production, uvicorn included, and every line of a request carries its X-Request-ID', async () => {
      // Production refuses the console email backend; the smtp one finds no server on localhost.
      const env = { ...project!.env, ENVIRONMENT: 'production', EMAIL_BACKEND: 'smtp' };
      const password = 'e2e-Pa55word-in-no-log';
      const user = { username: 'logged', email: 'logged@example.com', password };
      const path = auth ? '/auth/register' : '/users';
      const output = await withServer(
        project!,
        async (base) => {
          const response = await fetch(`${base}/api/v1${path}?token=e2e-token-in-no-log`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-request-id': 'e2e-request-1' },
            body: JSON.stringify(user),
          });
          assert.equal(response.status, 201, await response.text());
          assert.equal(response.headers.get('x-request-id'), 'e2e-request-1');
        },
        env,
      );
      const lines = output.split('\n').filter((line) => line !== '');
      const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      const request = entries.filter((entry) => entry['request_id'] === 'e2e-request-1');
      const access = request.find((entry) => entry['logger'] === 'app.access');
      assert.ok(access, output);
      assert.deepEqual([access['method'], access['path'], access['status']], ['POST', `/api/v1${path}`, 201]);
      assert.match(String(access['client']), /^127\.0\.0\.1:\d+$/);
      assert.ok(typeof access['duration_ms'] === 'number' && access['duration_ms'] >= 0, output);
      assert.match(String(access['timestamp']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      if (auth) {
        // The verification email, sent after the response, fails; its line carries the request's id too.
        assert.ok(
          request.some((entry) => /^Email to logged@example\.com .* not sent/.test(String(entry['message']))),
          output,
        );
      }
      const uvicorn = entries
        .filter((entry) => entry['logger'] === 'uvicorn.error')
        .map((entry) => entry['message']);
      assert.ok(uvicorn.includes('Application startup complete.'), output);
      assert.ok(uvicorn.includes('Application shutdown complete.'), output);
      assert.doesNotMatch(output, /e2e-token-in-no-log|e2e-Pa55word-in-no-log/);
    });
  });
}

/** The samples of a Prometheus text exposition: `name{label="value",...} number` lines. */
function parseMetrics(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [, name, labels = '', value] = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line)!;
      const pairs = [...labels.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, k, v]) => [k!, v!]);
      return { name: name!, labels: Object.fromEntries(pairs), value: Number(value) };
    });
}
