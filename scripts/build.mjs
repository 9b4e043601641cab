// Build: bundle each generator (src/<name>/index.ts) with esbuild into generators/<name>/index.js, the code
// shared between generators (yeoman-generator and its dependencies, ejs, src/lib) into generators/chunks/, and
// copy each generator's templates beside its code, so that `yo` discovers generators/<name>/index.js and
// templatePath() resolves to generators/<name>/templates.
// Why a bundle: yo loads a generator with require(); unbundled, generators/app/index.js pulls in about 1,100
// files (641 of them lodash-es, which yeoman-generator imports whole), about 0.3 s of every `yo forge` run on a
// 2-core machine; bundled, `yo forge` reads two index.js files and three chunks.
// Type checking is `npm run typecheck` (esbuild only strips types).
import { chmodSync, cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ejs from 'ejs';
import * as esbuild from 'esbuild';
import { tsImport } from 'tsx/esm/api';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'generators');
rmSync(out, { recursive: true, force: true });

const names = readdirSync(join(root, 'src')).filter((name) =>
  existsSync(join(root, 'src', name, 'index.ts')),
);

// yeoman-generator reads its version from ../package.json beside its own file, which a bundle has no longer.
const inlineYeomanGeneratorVersion = {
  name: 'inline-yeoman-generator-version',
  setup(build) {
    build.onLoad({ filter: /[\\/]yeoman-generator[\\/]dist[\\/]generator\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const read = "JSON.parse(readFileSync(pathJoin(_dirname, '../package.json'), 'utf8'))";
      if (!source.includes(read))
        throw new Error(`${args.path}: its package.json read changed; update build.mjs`);
      const { version } = JSON.parse(readFileSync(join(dirname(args.path), '..', 'package.json'), 'utf8'));
      return { contents: source.replace(read, JSON.stringify({ version })), loader: 'js' };
    });
  },
};

// yeoman-generator imports read-package-up (with read-pkg, normalize-package-data, spdx-*, @babel/code-frame) for a
// fallback that yo never takes (yeoman-environment passes the package.json); load it on first call instead.
const lazyReadPackageUp = {
  name: 'lazy-read-package-up',
  setup(build) {
    build.onResolve({ filter: /^read-package-up$/ }, (args) =>
      /[\\/]yeoman-generator[\\/]dist[\\/]generator\.js$/.test(args.importer)
        ? { path: args.path, namespace: 'forge-lazy', pluginData: { resolveDir: args.resolveDir } }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'forge-lazy' }, (args) => ({
      contents: `let loaded;
export function readPackageUpSync(options) {
  loaded ??= require('read-package-up');
  return loaded.readPackageUpSync(options);
}`,
      resolveDir: args.pluginData.resolveDir,
      loader: 'js',
    }));
  },
};

// The generator-forge bin (src/cli.ts) runs the generators with yeoman-environment's base class, registered
// directly: the lookup of installed generators, the on-the-fly install of missing ones (fly-import, with pacote and
// npm's arborist) and the package.json install task (a Python project has none) are left out of the bundle.
const environmentWithoutLookup = {
  name: 'environment-without-lookup',
  setup(build) {
    const stubs = {
      'fly-import':
        'export class FlyRepository {}\nexport function flyImport() { throw new Error("not bundled"); }',
      'package-manager': 'export async function packageManagerInstallTask() {}',
      'generator-lookup':
        "export const defaultExtensions = ['.ts', '.cts', '.mts', '.js', '.cjs', '.mjs'];\nexport async function lookupGenerators() { return []; }",
    };
    build.onResolve(
      { filter: /^fly-import$|[\\/]package-manager\.js$|[\\/]generator-lookup\.js$/ },
      (args) => {
        if (!/[\\/]yeoman-environment[\\/]/.test(args.importer)) return undefined;
        const name = Object.keys(stubs).find((key) => args.path.includes(key));
        return { path: name, namespace: 'forge-stub' };
      },
    );
    build.onLoad({ filter: /.*/, namespace: 'forge-stub' }, (args) => ({
      contents: stubs[args.path],
      loader: 'js',
    }));
    // It reads its version from ../package.json beside its own file, which in the bundle is ours.
    build.onLoad({ filter: /[\\/]yeoman-environment[\\/]dist[\\/]environment-base\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const read = "require('../package.json').version";
      if (!source.includes(read)) throw new Error(`${args.path}: its version read changed; update build.mjs`);
      const { version } = JSON.parse(readFileSync(join(dirname(args.path), '..', 'package.json'), 'utf8'));
      return { contents: source.replace(read, JSON.stringify(version)), loader: 'js' };
    });
  },
};

const common = {
  absWorkingDir: root,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  // Bundled CommonJS dependencies require() Node's built-in modules.
  banner: {
    js: "import { createRequire as __forgeCreateRequire } from 'node:module'; const require = __forgeCreateRequire(import.meta.url);",
  },
};

const { metafile } = await esbuild.build({
  ...common,
  metafile: true,
  entryPoints: [
    ...names.map((name) => ({ in: join(root, 'src', name, 'index.ts'), out: join(name, 'index') })),
    { in: join(root, 'src', 'cli.ts'), out: 'cli' },
  ],
  outdir: out,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  plugins: [inlineYeomanGeneratorVersion, lazyReadPackageUp, environmentWithoutLookup],
});

// The bundle carries its dependencies' code, so it carries their licenses too.
const packages = new Set();
for (const input of Object.keys(metafile.inputs)) {
  const match = /^(.*node_modules[\\/](?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(input);
  if (match) packages.add(join(root, match[1]));
}
const notices = [...packages].sort().map((dir) => {
  const { name, version, license } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const file = readdirSync(dir).find((f) => /^(licen[sc]e|copying)/i.test(f));
  const text = file ? readFileSync(join(dir, file), 'utf8').trim() : `License: ${license}`;
  return `${name}@${version}\n\n${text}\n`;
});
writeFileSync(
  join(out, 'THIRD-PARTY-LICENSES.txt'),
  `generators/ bundles these packages:\n\n${notices.join(`\n${'-'.repeat(80)}\n\n`)}`,
);

for (const name of readdirSync(join(root, 'src'))) {
  const templates = join(root, 'src', name, 'templates');
  if (existsSync(templates)) cpSync(templates, join(out, name, 'templates'), { recursive: true });
  const usage = join(root, 'src', name, 'USAGE');
  if (existsSync(usage)) cpSync(usage, join(out, name, 'USAGE'));
}

// `yo forge:<name> --help` appends generators/<name>/USAGE; the model's lists the type table from its source.
// tsx imports the TypeScript source directly: the table is the one fields.ts exports.
const { TYPE_TABLE } = await tsImport('../src/lib/fields.ts', import.meta.url);
const usage = join(root, 'src', 'model', 'USAGE.ejs');
writeFileSync(join(out, 'model', 'USAGE'), ejs.render(readFileSync(usage, 'utf8'), { types: TYPE_TABLE }));

// The bin: executable, as npm makes it on install.
chmodSync(join(out, 'cli.js'), 0o755);
