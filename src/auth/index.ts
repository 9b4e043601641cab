import { existsSync } from 'node:fs';
import { installPythonEnvironment, skipsInstall } from '../app/install.js';
import { APP_FILES, writeAppFiles } from '../app/files.js';
import { DATABASE_FILES, writeDatabaseFiles } from '../database/files.js';
import { ownFile } from '../lib/commit.js';
import { ForgeGenerator } from '../lib/base.js';
import { renderFiles, templatesOf } from '../lib/files.js';
import { uneditedFollowers } from '../lib/followers.js';
import { writeBuiltinModels } from '../lib/models.js';
import { loadRecords, projectContext, type ResourceRecord } from '../lib/registry.js';
import { AUTH_FILES } from './files.js';

type AuthOptions = {
  public?: boolean;
  force?: boolean;
  defaults?: boolean;
};

/**
 * forge:auth: JWT authentication (register, login, refresh tokens rotated at each use, /users/me, superusers and
 * the CLI that makes them). Composed by `yo forge` (auth is on by default); run on its own in a project made with
 * --no-auth, it adds authentication: its files, the refresh-token table with a migration chained to the head,
 * the settings, users endpoints and tests in their auth form, and sign-in on the existing resources (asked;
 * --public keeps them open).
 */
export default class AuthGenerator extends ForgeGenerator {
  declare options: ForgeGenerator['options'] & AuthOptions;
  /** The project had no authentication before this run. */
  declare adding: boolean;
  /** Resources of a project that gains authentication, by model name. */
  declare resources: Map<string, ResourceRecord>;
  /** They keep open endpoints (--public, or the user's answer). */
  declare keepOpen: boolean;
  /** Files the frame and the database layer render again, as forge wrote them: updated without a question. */
  declare unedited: string[];
  /** The install phase added the new dependencies to .venv. */
  installed = false;

  constructor(...args: ConstructorParameters<typeof ForgeGenerator>) {
    super(...args);
    this.option('public', {
      type: Boolean,
      description:
        "Adding auth to a project with resources: keep their endpoints open (each resource's --public); default: they need a signed-in user",
    });
    this.option('defaults', { type: Boolean, default: false, description: 'Ask nothing' });
  }

  initializing(): void {
    this._loadForgeConfig();
    this.adding = !this.forge.auth;
    this.resources = this.adding ? loadRecords(this) : new Map();
    this.keepOpen = this.options.public === true;
    this.unedited = [];
    if (!this.adding) return;
    // The files that follow `auth`, compared with what forge wrote without it.
    this.unedited = uneditedFollowers(
      this,
      this.forge,
      [
        [APP_FILES, 'app'],
        [DATABASE_FILES, 'database'],
      ],
      'Adding authentication',
    );
  }

  async prompting(): Promise<void> {
    if (this.resources.size === 0 || this.options.public !== undefined || !this._canAsk()) return;
    const names = [...this.resources.keys()].join(', ');
    const { secure } = await this.prompt<{ secure: boolean }>({
      type: 'confirm',
      name: 'secure',
      message: `Require a signed-in user on the endpoints of ${names}? (no keeps them open, as --public does)`,
      default: true,
    });
    this.keepOpen = !secure;
  }

  async configuring(): Promise<void> {
    if (!this.adding) return;
    this.forge.auth = true;
    this.config.set('auth', true);
    // Each resource rendered again for sign-in (or kept open), as forge:crud would have made it with auth.
    for (const [name, record] of this.resources) {
      const options: Record<string, unknown> = {
        public: this.keepOpen || record.public === true,
        owner: record.owner ?? 'none',
        defaults: true,
      };
      if (this.options.force === true) options['force'] = true;
      await this.composeWith('forge:crud', { generatorArgs: [name], generatorOptions: options });
    }
  }

  writing(): void {
    if (this.adding) {
      // The files that follow the project's `auth`: the frame's and the database layer's.
      writeAppFiles(this, this.forge, templatesOf(this, 'app'));
      writeDatabaseFiles(this, this.forge, templatesOf(this, 'database'));
      for (const path of this.unedited) ownFile(this, path);
    }
    renderFiles(this, AUTH_FILES, projectContext(this, this.forge));
    writeBuiltinModels(this, this.forge, (model) => model.authOnly === true);
  }

  /** The dependencies authentication adds (PyJWT, python-multipart...) go into the project's .venv, if it has one. */
  async install(): Promise<void> {
    if (!this.adding || skipsInstall(this.options) || !existsSync(this.destinationPath('.venv'))) return;
    this.installed = await installPythonEnvironment(this, this.destinationRoot(), 'existing');
  }

  end(): void {
    if (!this.adding) return;
    const open = (record: ResourceRecord) => this.keepOpen || record.public === true;
    const names = (kept: boolean) =>
      [...this.resources].filter(([, record]) => open(record) === kept).map(([name]) => name);
    const said = [
      names(false).length > 0 ? `the endpoints of ${names(false).join(', ')} need a signed-in user` : '',
      names(true).length > 0 ? `those of ${names(true).join(', ')} stay open (--public)` : '',
    ].filter(Boolean);
    this.log.ok(
      `Authentication added${said.length > 0 ? `: ${said.join('; ')}` : ''}. Next: ${this.installed ? '' : "pip install -e '.[dev]' (its new dependencies), "}alembic upgrade head, python -m app.cli create-superuser`,
    );
  }
}
