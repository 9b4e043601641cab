import { enableFeature, installAdded, startAdding, writeFollowers } from '../app/feature.js';
import { ForgeGenerator } from '../lib/base.js';
import { renderFiles } from '../lib/files.js';
import { projectContext } from '../lib/registry.js';
import { EMAIL_FILES } from './files.js';

/**
 * forge:email: address verification and password reset by email, sent over SMTP off the request path (or logged
 * by the development console backend). Composed by `yo forge --email`; run on its own in a project with
 * authentication, it adds email: its files, and the settings, registration, login and tests that follow
 * `email` (with Docker, docker-compose.yml too). No migration: users have their is_verified column with or
 * without email.
 */
export default class EmailGenerator extends ForgeGenerator {
  declare options: ForgeGenerator['options'] & { force?: boolean; defaults?: boolean };
  /** The project had no email before this run. */
  declare adding: boolean;
  /** Files of other generators that follow `email`, as forge wrote them: updated without a question. */
  declare unedited: string[];
  /** The install phase added the new dependencies to .venv. */
  installed = false;

  constructor(...args: ConstructorParameters<typeof ForgeGenerator>) {
    super(...args);
    this.option('defaults', { type: Boolean, default: false, description: 'Ask nothing' });
  }

  initializing(): void {
    this._loadForgeConfig();
    if (!this.forge.auth) {
      throw new Error(
        'Email verifies accounts and resets their passwords, and this project has no authentication. Add it first: yo forge:auth',
      );
    }
    ({ adding: this.adding, unedited: this.unedited } = startAdding(this, 'email', 'email'));
  }

  configuring(): void {
    if (this.adding) enableFeature(this, 'email');
  }

  writing(): void {
    if (this.adding) writeFollowers(this, this.unedited);
    renderFiles(this, EMAIL_FILES, projectContext(this, this.forge));
  }

  /** The dependencies email adds (aiosmtplib, Jinja2; aiosmtpd for the tests) go into .venv, if there is one. */
  async install(): Promise<void> {
    if (this.adding) this.installed = await installAdded(this);
  }

  end(): void {
    if (!this.adding) return;
    this.log.ok(
      `Email added: verification and password reset, logged by the console backend until EMAIL_BACKEND=smtp and SMTP_* are set${this.forge.docker ? ' (docker compose sends it to mailpit, whose inbox is http://127.0.0.1:8025)' : ''}.${this.installed ? '' : " Next: pip install -e '.[dev]' (its new dependencies)."}`,
    );
  }
}
