import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REDIS_FILES } from '../../src/redis/files.js';
import { newProject, readProjectFile, runApp, runInProject, snapshotProject } from '../support/generate.js';

const runRedis = (project: string, options: Record<string, unknown> = {}) =>
  runInProject('redis', project, options);

const read = readProjectFile;
const snapshot = snapshotProject;
const redisFiles = REDIS_FILES.map((file) => file.to as string);

describe('forge:redis', () => {
  it('is what `yo forge --redis` composes: its files, and the lifespan, health, settings, rate limits, compose and CI that follow it', async () => {
    const result = await runApp()
      .withArguments(['api'])
      .withOptions({ redis: true, docker: true, database: 'postgresql', defaults: true, skipInstall: true });
    const project = join(result.cwd, 'api');
    for (const file of redisFiles) assert.ok(existsSync(join(project, file)), file);
    const rc = JSON.parse(read(project, '.yo-rc.json')) as { 'generator-forge': { redis: boolean } };
    assert.equal(rc['generator-forge'].redis, true);
    assert.match(read(project, 'app/core/config.py'), /REDIS_URL: str = "redis:\/\/localhost:6379\/0"/);
    assert.match(read(project, 'app/core/config.py'), /RATE_LIMIT_STORAGE_URI: str = ""/);
    assert.match(
      read(project, 'app/core/rate_limit.py'),
      /settings\.RATE_LIMIT_STORAGE_URI or settings\.REDIS_URL/,
    );
    assert.match(read(project, 'app/main.py'), /await redis_manager\.initialize\(\)/);
    assert.match(read(project, 'app/routers/health.py'), /redis: Literal\["ok", "unreachable"\]/);
    assert.match(read(project, 'pyproject.toml'), /"redis\[hiredis\]>=5\.2"/);
    assert.match(read(project, 'tests/__init__.py'), /os\.environ\["REDIS_KEY_PREFIX"\]/);
    assert.match(read(project, 'docker-compose.yml'), /^ {2}redis:\n {4}image: redis:7-alpine$/m);
    assert.match(read(project, 'docker-compose.yml'), /REDIS_URL: redis:\/\/redis:6379\/0/);
    assert.match(read(project, '.github/workflows/ci.yml'), /^ {6}redis:\n {8}image: redis:7-alpine$/m);
    const again = snapshot(project);
    await runRedis(project);
    assert.deepEqual(snapshot(project), again, 'forge:redis in a project with Redis changes nothing');
  });

  it('leaves a project without --redis as it was', async () => {
    const project = await newProject('sqlite', 'sqlmodel');
    for (const file of redisFiles) assert.ok(!existsSync(join(project, file)), file);
    for (const file of ['app/core/config.py', 'pyproject.toml', 'app/main.py', 'app/routers/health.py']) {
      assert.doesNotMatch(read(project, file), /REDIS_|redis_manager|redis\[hiredis\]/, file);
    }
    assert.equal(read(project, 'tests/__init__.py'), '');
  });

  it('adds Redis to a --no-auth project: no migration, the followers rendered again, nothing the second time', async () => {
    const project = await newProject('mysql', 'sqlalchemy', { auth: false });
    const versions = readdirSync(join(project, 'alembic', 'versions')).sort();
    await runRedis(project);
    for (const file of redisFiles) assert.ok(existsSync(join(project, file)), file);
    assert.ok(!existsSync(join(project, 'app/core/rate_limit.py')), 'no auth file appears');
    assert.deepEqual(readdirSync(join(project, 'alembic', 'versions')).sort(), versions);
    assert.match(read(project, 'app/core/config.py'), /REDIS_REQUIRED: bool = True/);
    const again = snapshot(project);
    await runRedis(project);
    assert.deepEqual(snapshot(project), again);
  });

  it('refuses, writing nothing, when a file it renders again was edited; --force overwrites', async () => {
    const project = await newProject('sqlite', 'sqlmodel');
    writeFileSync(join(project, 'app/main.py'), `${read(project, 'app/main.py')}# mine\n`);
    const before = snapshot(project);
    await assert.rejects(
      runRedis(project, { force: false }),
      /Adding Redis renders app\/main\.py again, and they changed since forge wrote them/,
    );
    assert.deepEqual(snapshot(project), before);
    await runRedis(project, { force: true });
    assert.ok(!read(project, 'app/main.py').includes('# mine'));
    assert.ok(existsSync(join(project, 'app/core/redis.py')));
  });
});
