/**
 * Docker files without a Docker engine: a compose implementation that validates docker-compose.yml, the
 * instructions of a Dockerfile, and compose's `${NAME:-default}` interpolation.
 */
import { spawnSync } from 'node:child_process';
import { REPO_ROOT } from './paths.js';

/**
 * The first compose implementation that answers here: the docker client's compose plugin, else Debian's
 * docker-compose. `config` needs no engine in either.
 */
export function composeCommand(): string[] | undefined {
  for (const command of [['docker', 'compose'], ['docker-compose']]) {
    // An explicit cwd: yeoman-test may have left the process in a folder a spec has deleted since.
    const result = spawnSync(command[0]!, [...command.slice(1), 'version'], {
      stdio: 'ignore',
      cwd: REPO_ROOT,
    });
    if (result.status === 0) return command;
  }
  return undefined;
}

export interface Instruction {
  keyword: string;
  /** Everything after the keyword, continuation lines joined. */
  args: string;
}

/** A Dockerfile's instructions in order: comments dropped, `\` continuation lines joined. */
export function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending = '';
  for (const line of text.split('\n')) {
    if (/^\s*#/.test(line) || (pending === '' && line.trim() === '')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    const match = /^(\S+)\s+(.*)$/s.exec(full);
    if (match) instructions.push({ keyword: match[1]!.toUpperCase(), args: match[2]!.trim() });
  }
  return instructions;
}

/** The argument list of an exec-form (JSON array) CMD or HEALTHCHECK CMD; shell form runs under `sh -c`. */
export function commandArgs(args: string): string[] {
  const trimmed = args.trim();
  if (trimmed.startsWith('[')) return JSON.parse(trimmed) as string[];
  return ['sh', '-c', trimmed];
}

/** `HEALTHCHECK [--option=value...] CMD ...`: its command. */
export function healthcheckCommand(args: string): string[] {
  const match = /^(?:--\S+\s+)*CMD\s+(.*)$/s.exec(args);
  if (!match) throw new Error(`HEALTHCHECK without CMD: ${args}`);
  return commandArgs(match[1]!);
}

/** `ENV A=1 B=2`: the variables it sets (values without spaces or quotes, as ours are). */
export function envAssignments(args: string): Record<string, string> {
  return Object.fromEntries(
    args
      .split(/\s+/)
      .filter(Boolean)
      .map((pair) => {
        const [name, ...value] = pair.split('=');
        return [name!, value.join('=')];
      }),
  );
}

/**
 * Compose's variable substitution: `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:?error}`,
 * `${NAME?error}` and `$$` for a literal `$`.
 */
export function interpolate(value: string, variables: Record<string, string | undefined>): string {
  return value.replace(/\$\$|\$\{(\w+)(?:(:?)([-?])([^}]*))?\}/g, (match, name, colon, kind, word) => {
    if (match === '$$') return '$';
    const current = variables[name as string];
    const unset = current === undefined || (colon === ':' && current === '');
    if (!unset) return current;
    if (kind === '?') throw new Error(`${name as string}: ${word as string}`);
    return kind === '-' ? (word as string) : '';
  });
}
