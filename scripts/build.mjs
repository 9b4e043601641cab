// Build: compile src/**/*.ts into generators/ and copy each generator's templates beside its compiled code,
// so that `yo` discovers generators/<name>/index.js and templatePath() resolves to generators/<name>/templates.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import ejs from 'ejs';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'generators');
rmSync(out, { recursive: true, force: true });

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });

for (const name of readdirSync(join(root, 'src'))) {
  const templates = join(root, 'src', name, 'templates');
  if (existsSync(templates)) cpSync(templates, join(out, name, 'templates'), { recursive: true });
  const usage = join(root, 'src', name, 'USAGE');
  if (existsSync(usage)) cpSync(usage, join(out, name, 'USAGE'));
}

// `yo forge:<name> --help` appends generators/<name>/USAGE; the model's lists the type table from its source.
const { TYPE_TABLE } = await import(join(out, 'lib', 'fields.js'));
const usage = join(root, 'src', 'model', 'USAGE.ejs');
writeFileSync(join(out, 'model', 'USAGE'), ejs.render(readFileSync(usage, 'utf8'), { types: TYPE_TABLE }));
