import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EMAIL_FILES } from '../../src/email/files.js';
import { newProject, readProjectFile, runApp, runInProject, snapshotProject } from '../support/generate.js';

const runEmail = (project: string, options: Record<string, unknown> = {}) =>
  runInProject('email', project, options);

const read = readProjectFile;
const snapshot = snapshotProject;
const emailFiles = EMAIL_FILES.map((file) => file.to as string);

describe('forge:email', () => {
  it('is what `yo forge --email` composes: its files, and the settings, routers and tests that follow it', async () => {
    const result = await runApp()
      .withArguments(['api'])
      .withOptions({ email: true, defaults: true, skipInstall: true });
    const project = join(result.cwd, 'api');
    for (const file of emailFiles) assert.ok(existsSync(join(project, file)), file);
    const rc = JSON.parse(read(project, '.yo-rc.json')) as { 'generator-forge': { email: boolean } };
    assert.equal(rc['generator-forge'].email, true);
    assert.match(
      read(project, 'app/core/config.py'),
      /EMAIL_BACKEND: Literal\["console", "smtp"\] = "console"/,
    );
    assert.match(read(project, 'app/core/config.py'), /REQUIRE_VERIFIED_EMAIL: bool = False/);
    assert.match(read(project, '.env.example'), /^EMAIL_BACKEND=console$/m);
    assert.match(read(project, 'pyproject.toml'), /"aiosmtplib>=3\.0"/);
    assert.match(read(project, 'pyproject.toml'), /"aiosmtpd>=1\.4\.6"/);
    assert.match(
      read(project, 'app/routers/v1/__init__.py'),
      /api_router\.include_router\(auth_email\.router\)/,
    );
    assert.match(
      read(project, 'app/routers/v1/auth.py'),
      /background\.add_task\(send_email, verification_email\(user\)\)/,
    );
    assert.match(read(project, 'app/core/tokens.py'), /def create_email_token\(/);
    const again = snapshot(project);
    await runEmail(project);
    assert.deepEqual(snapshot(project), again, 'forge:email in a project with email changes nothing');
  });

  it('leaves a project without --email as it was: no email files, settings or dependencies', async () => {
    const project = await newProject('sqlite', 'sqlmodel');
    for (const file of emailFiles) assert.ok(!existsSync(join(project, file)), file);
    for (const file of [
      'app/core/config.py',
      'pyproject.toml',
      'app/routers/v1/auth.py',
      'app/core/tokens.py',
    ]) {
      assert.doesNotMatch(read(project, file), /EMAIL_|aiosmtplib|send_email|create_email_token/, file);
    }
    // Users have the column either way: email can be added later without a migration.
    assert.match(read(project, 'app/models/user.py'), /is_verified/);
  });

  it('refuses --email with --no-auth, writing nothing', async () => {
    await assert.rejects(
      runApp()
        .withArguments(['api'])
        .withOptions({ auth: false, email: true, defaults: true, skipInstall: true }),
      /--email needs authentication: its emails verify accounts and reset their passwords\. Leave out --no-auth, or --email\./,
    );
  });

  it('adds email to a project with auth: no migration, the files that follow it rendered again, nothing the second time', async () => {
    const project = await newProject('postgresql', 'sqlalchemy');
    const versions = readdirSync(join(project, 'alembic', 'versions')).sort();
    await runEmail(project);
    for (const file of emailFiles) assert.ok(existsSync(join(project, file)), file);
    assert.deepEqual(readdirSync(join(project, 'alembic', 'versions')).sort(), versions);
    assert.match(read(project, 'app/core/config.py'), /SMTP_HOST/);
    assert.match(read(project, 'tests/conftest.py'), /def mailbox\(/);
    assert.match(read(project, 'app/routers/v1/account.py'), /verification_email\(updated\)/);
    const again = snapshot(project);
    await runEmail(project);
    assert.deepEqual(snapshot(project), again);
  });

  it('refuses in a project without authentication, and when a file it renders again was edited (--force overwrites)', async () => {
    const open = await newProject('sqlite', 'sqlmodel', { auth: false });
    await assert.rejects(runEmail(open), /this project has no authentication\. Add it first: yo forge:auth/);
    assert.ok(!existsSync(join(open, 'app/core/email.py')));

    const project = await newProject('sqlite', 'sqlmodel');
    writeFileSync(
      join(project, 'app/routers/v1/auth.py'),
      `${read(project, 'app/routers/v1/auth.py')}# mine\n`,
    );
    const before = snapshot(project);
    await assert.rejects(
      runEmail(project, { force: false }),
      /Adding email renders app\/routers\/v1\/auth\.py again, and they changed since forge wrote them/,
    );
    assert.deepEqual(snapshot(project), before);
    await runEmail(project, { force: true });
    assert.ok(!read(project, 'app/routers/v1/auth.py').includes('# mine'));
    assert.ok(existsSync(join(project, 'app/core/email.py')));
  });
});
