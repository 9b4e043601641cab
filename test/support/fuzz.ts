/**
 * schemathesis against a running generated app: property-based requests from its OpenAPI schema, every check,
 * the stateful phase included, with a fixed seed. It is a dependency of this suite (a cached virtual
 * environment of its own), not of the generated projects.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, venvFor, type RunResult } from './python.js';

/** The suite's hooks: a generated list cursor's 422 is the documented answer (see the module). */
const HOOKS = fileURLToPath(new URL('schemathesis_hooks.py', import.meta.url));

export const SCHEMATHESIS = 'schemathesis==4.32.5';

/** Examples per operation in the fuzzing phase; the coverage and stateful phases add their own. */
const MAX_EXAMPLES = 50;

/**
 * Run schemathesis on `base` (the app's origin) with a bearer token, in `cwd` (where it keeps a cache); resolves
 * whatever the outcome. Health checks of the generator (too slow, too much filtering) are off: they are about the
 * machine, not the API.
 */
export async function schemathesis(base: string, token: string, cwd: string): Promise<RunResult> {
  const bin = join(await venvFor([SCHEMATHESIS]), 'bin', 'schemathesis');
  return run(
    bin,
    [
      'run',
      `${base}/openapi.json`,
      '--header',
      `Authorization: Bearer ${token}`,
      '--checks',
      'all',
      '--seed',
      '1',
      '--max-examples',
      String(MAX_EXAMPLES),
      '--generation-database',
      'none',
      '--suppress-health-check',
      'all',
      '--request-timeout',
      '30',
      '--output-sanitize',
      'false',
      '--no-color',
    ],
    { cwd, timeoutMs: 900_000, env: { ...process.env, SCHEMATHESIS_HOOKS: HOOKS } },
  );
}
