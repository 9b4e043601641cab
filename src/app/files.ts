import type Generator from 'yeoman-generator';
import type { ForgeConfig, TemplateContext } from '../lib/config.js';
import { renderFiles, type FileEntry } from '../lib/files.js';
import { projectContext, type RegistryLines } from '../lib/registry.js';

/** The registry lines render the router aggregator with every resource the project has. */
export type AppContext = TemplateContext & { registry: RegistryLines };

/** What `yo forge` writes itself; forge:database writes the database layer around it. */
export const APP_FILES: readonly FileEntry<AppContext>[] = [
  { to: 'README.md' },
  { to: '.gitignore', from: 'gitignore' },
  { to: '.github/workflows/ci.yml' },
  { to: 'app/__init__.py' },
  { to: 'app/main.py' },
  { to: 'app/core/__init__.py' },
  { to: 'app/core/errors.py' },
  { to: 'app/core/logging.py' },
  { to: 'app/core/middleware.py' },
  { to: 'app/routers/__init__.py' },
  { to: 'app/routers/health.py' },
  { to: 'app/routers/v1/__init__.py' },
  { to: 'tests/test_cors.py' },
  { to: 'tests/test_errors.py' },
  { to: 'tests/test_health.py' },
  { to: 'tests/test_logging.py' },
  { to: 'tests/test_openapi.py' },
];

/** Render the application frame for `config` (forge:auth renders it again when it adds authentication). */
export function writeAppFiles(generator: Generator, config: ForgeConfig, templates?: string): void {
  renderFiles(generator, APP_FILES, projectContext(generator, config), templates);
}
