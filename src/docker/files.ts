import type { FileEntry } from '../lib/files.js';
import type { TemplateContext } from '../lib/config.js';

/**
 * What forge:docker writes: the image, its build context filter and the compose file for the project's database.
 * README.md is `yo forge`'s own template, rendered again so its Docker section appears when forge:docker runs
 * on its own in an existing project (a README the user edited goes through Yeoman's conflict prompt).
 */
export const DOCKER_FILES: readonly FileEntry<TemplateContext>[] = [
  { to: 'Dockerfile' },
  { to: '.dockerignore', from: 'dockerignore' },
  { to: 'docker-compose.yml' },
  { to: 'README.md', from: '../../app/templates/README.md' },
];

/**
 * The file of forge:docker that follows `email` (the mailpit service, the app's SMTP settings) and `redis` (the
 * redis service, REDIS_URL): forge:email and forge:redis render it again when they add theirs to a project with
 * Docker.
 */
export const DOCKER_FOLLOWERS: readonly FileEntry<TemplateContext>[] = [
  { to: 'docker-compose.yml', when: (context) => context.docker },
];
