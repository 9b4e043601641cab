import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { METRICS_FILES } from '../../src/metrics/files.js';
import { newProject, readProjectFile, runApp, runInProject, snapshotProject } from '../support/generate.js';

const runMetrics = (project: string, options: Record<string, unknown> = {}) =>
  runInProject('metrics', project, options);

const read = readProjectFile;
const snapshot = snapshotProject;
const metricsFiles = METRICS_FILES.map((file) => file.to as string);

describe('forge:metrics', () => {
  it('is what `yo forge --metrics` composes: its files, and the settings, app, dependencies and README that follow it', async () => {
    const result = await runApp()
      .withArguments(['api'])
      .withOptions({ metrics: true, database: 'postgresql', defaults: true, skipInstall: true });
    const project = join(result.cwd, 'api');
    for (const file of metricsFiles) assert.ok(existsSync(join(project, file)), file);
    const rc = JSON.parse(read(project, '.yo-rc.json')) as { 'generator-forge': { metrics: boolean } };
    assert.equal(rc['generator-forge'].metrics, true);
    assert.match(read(project, 'app/core/config.py'), /^ {4}METRICS_ENABLED: bool = True$/m);
    assert.match(read(project, 'app/core/config.py'), /^ {4}OTEL_EXPORTER_OTLP_ENDPOINT: str = ""$/m);
    assert.match(read(project, '.env.example'), /^OTEL_EXPORTER_OTLP_ENDPOINT=$/m);
    assert.match(read(project, 'app/main.py'), /^from app\.core\.metrics import install_metrics$/m);
    assert.match(
      read(project, 'app/main.py'),
      /^ {4}install_metrics\(application\)\n {4}return application$/m,
    );
    const pyproject = read(project, 'pyproject.toml');
    assert.match(pyproject, /"prometheus-fastapi-instrumentator>=8\.1"/);
    assert.match(pyproject, /^otel = \[\n {4}"opentelemetry-sdk>=1\.45",/m);
    assert.match(pyproject, /^ {4}"api\[otel\]",$/m, 'the dev extra includes otel');
    assert.match(read(project, 'README.md'), /^## Metrics and tracing$/m);
    assert.doesNotMatch(read(project, 'app/core/metrics.py'), /redis/, 'no Redis gauges without Redis');
    const again = snapshot(project);
    await runMetrics(project);
    assert.deepEqual(snapshot(project), again, 'forge:metrics in a project with metrics changes nothing');
  });

  it('leaves a project without --metrics as it was', async () => {
    const project = await newProject('sqlite', 'sqlmodel');
    for (const file of metricsFiles) assert.ok(!existsSync(join(project, file)), file);
    for (const file of ['app/core/config.py', '.env.example', 'pyproject.toml', 'app/main.py', 'README.md']) {
      assert.doesNotMatch(
        read(project, file),
        /METRICS_|OTEL_|install_metrics|prometheus|opentelemetry/i,
        file,
      );
    }
  });

  it('adds metrics to a --no-auth project: no migration, the followers rendered again, nothing the second time', async () => {
    const project = await newProject('mysql', 'sqlalchemy', { auth: false });
    const versions = readdirSync(join(project, 'alembic', 'versions')).sort();
    await runMetrics(project);
    for (const file of metricsFiles) assert.ok(existsSync(join(project, file)), file);
    assert.deepEqual(readdirSync(join(project, 'alembic', 'versions')).sort(), versions);
    assert.match(read(project, 'app/core/config.py'), /METRICS_ENABLED: bool = True/);
    assert.match(read(project, 'app/main.py'), /install_metrics\(application\)/);
    assert.match(
      read(project, 'tests/test_metrics.py'),
      /^USER_STATUS = "404"$/m,
      'open users endpoints: 404',
    );
    const again = snapshot(project);
    await runMetrics(project);
    assert.deepEqual(snapshot(project), again);
  });

  it('refuses, writing nothing, when a file it renders again was edited; --force overwrites', async () => {
    const project = await newProject('sqlite', 'sqlmodel');
    writeFileSync(join(project, 'app/core/config.py'), `${read(project, 'app/core/config.py')}# mine\n`);
    const before = snapshot(project);
    await assert.rejects(
      runMetrics(project, { force: false }),
      /Adding metrics renders app\/core\/config\.py again, and they changed since forge wrote them/,
    );
    assert.deepEqual(snapshot(project), before);
    await runMetrics(project, { force: true });
    assert.ok(!read(project, 'app/core/config.py').includes('# mine'));
    assert.ok(existsSync(join(project, 'app/core/metrics.py')));
  });

  it('follows redis: forge:redis gives the metrics the Redis pool gauges, and refuses an edited metrics.py', async () => {
    const result = await runApp()
      .withArguments(['api'])
      .withOptions({ metrics: true, defaults: true, skipInstall: true });
    const project = join(result.cwd, 'api');
    writeFileSync(join(project, 'app/core/metrics.py'), `${read(project, 'app/core/metrics.py')}# mine\n`);
    await assert.rejects(
      runInProject('redis', project, { force: false }),
      /Adding Redis renders app\/core\/metrics\.py again/,
    );
    await runInProject('redis', project, { force: true });
    assert.match(read(project, 'app/core/metrics.py'), /^ {12}yield _gauge\("redis_pool_in_use"/m);
    assert.match(read(project, 'tests/test_metrics.py'), /redis_pool_idle/);
  });
});
