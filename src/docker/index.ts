import { ForgeGenerator } from '../lib/base.js';
import { templateContext } from '../lib/config.js';
import { renderFiles } from '../lib/files.js';
import { DOCKER_FILES } from './files.js';

/**
 * forge:docker: a Dockerfile, .dockerignore and a docker-compose.yml (database, health-gated migrations, the
 * app) for the project's database. Composed by `yo forge --docker`; also runs on its own in a forge project.
 */
export default class DockerGenerator extends ForgeGenerator {
  initializing(): void {
    this._loadForgeConfig();
  }

  configuring(): void {
    this.forge.docker = true;
    this.config.set('docker', true);
  }

  writing(): void {
    renderFiles(this, DOCKER_FILES, templateContext(this.forge));
  }
}
