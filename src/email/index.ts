import { FeatureGenerator } from '../app/feature.js';
import { EMAIL_FILES } from './files.js';

/**
 * forge:email: address verification and password reset by email, sent over SMTP off the request path (or logged
 * by the development console backend). Composed by `yo forge --email`; run on its own in a project with
 * authentication, it adds email: its files, and the settings, registration, login and tests that follow
 * `email` (with Docker, docker-compose.yml too). No migration: users have their is_verified column with or
 * without email. Its dependencies: aiosmtplib, Jinja2; aiosmtpd for the tests.
 */
export default class EmailGenerator extends FeatureGenerator {
  readonly feature = 'email';
  readonly label = 'email';
  readonly files = EMAIL_FILES;

  override _checkProject(): void {
    if (!this.forge.auth) {
      throw new Error(
        'Email verifies accounts and resets their passwords, and this project has no authentication. Add it first: yo forge:auth',
      );
    }
  }

  _added(): string {
    const mailpit = this.forge.docker
      ? ' (docker compose sends it to mailpit, whose inbox is http://127.0.0.1:8025)'
      : '';
    return `Email added: verification and password reset, logged by the console backend until EMAIL_BACKEND=smtp and SMTP_* are set${mailpit}.`;
  }
}
