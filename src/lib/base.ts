import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Generator from 'yeoman-generator';
import { takeOverCommit } from './commit.js';
import { DATABASES, ORMS, parseChoice, type ForgeConfig } from './config.js';

/** The refusal a user's own "no" ends a run with: the bin exits 0 for it. */
export const CANCELLED = 'Nothing changed: cancelled.';

/** Key of the generator's section in `.yo-rc.json`. */
export const CONFIG_KEY = 'generator-forge';

/** Walk up from `start` to the first folder whose `.yo-rc.json` has a generator-forge section. */
export function findProjectRoot(start: string): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    const rc = join(dir, '.yo-rc.json');
    if (existsSync(rc)) {
      try {
        if (CONFIG_KEY in JSON.parse(readFileSync(rc, 'utf8'))) return dir;
      } catch {
        // An unreadable .yo-rc.json belongs to something else; keep looking upward.
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Base class of the generators that work inside an existing forge project: it finds the project root
 * (the folder holding `.yo-rc.json`), moves the destination there and loads the typed configuration.
 * When composed by `yo forge` the configuration is already in the in-memory `.yo-rc.json`.
 */
export class ForgeGenerator extends Generator {
  declare forge: ForgeConfig;

  /** What the run did and what to run next, said after the list of files written (see _atEnd). */
  readonly #atEnd: [kind: 'ok' | 'info', text: string][] = [];

  constructor(...args: ConstructorParameters<typeof Generator>) {
    super(...args);
    takeOverCommit(this);
  }

  /** A line for the end of the run: Yeoman lists the files it writes after the writing phase. */
  _atEnd(kind: 'ok' | 'info', text: string): void {
    this.#atEnd.push([kind, text]);
  }

  /** The lines of _atEnd; a generator that has some calls it from its end(). */
  _printAtEnd(): void {
    for (const [kind, text] of this.#atEnd) this.log[kind](text);
  }

  _loadForgeConfig(): ForgeConfig {
    if (this.config.get('database') === undefined) {
      const root = findProjectRoot(this.destinationRoot());
      if (root === undefined) {
        throw new Error(
          `Not inside a forge project: no .yo-rc.json with a "${CONFIG_KEY}" section in ${this.destinationRoot()} or above. Run "yo forge <name>" first.`,
        );
      }
      this.destinationRoot(root);
    }
    const stored = this.config.getAll() as Partial<ForgeConfig>;
    this.forge = {
      projectName: String(stored.projectName),
      packageName: String(stored.packageName),
      description: stored.description ?? '',
      database: parseChoice('database', stored.database, DATABASES),
      orm: parseChoice('orm', stored.orm, ORMS),
      docker: stored.docker === true,
      // Projects made before --auth existed have no auth files: absent means off.
      auth: stored.auth === true,
      email: stored.email === true,
      redis: stored.redis === true,
      metrics: stored.metrics === true,
    };
    return this.forge;
  }

  /**
   * Ask `question` (no is the default): --force answers yes (so does --confirmed, set by forge:import, which asked
   * already), and a run that cannot ask fails with `refusal`. No throws the cancel the bin exits 0 for.
   */
  async _confirm(question: string, refusal: string): Promise<void> {
    const options = this.options as { force?: boolean; confirmed?: boolean };
    if (options.force === true || options.confirmed === true) return;
    if (!this._canAsk()) throw new Error(refusal);
    const { confirmed } = await this.prompt<{ confirmed: boolean }>({
      type: 'confirm',
      name: 'confirmed',
      message: question,
      default: false,
    });
    if (!confirmed) throw new Error(CANCELLED);
  }

  /** False when no question can be answered: --defaults, or yo's terminal adapter on an input that is no terminal. */
  _canAsk(): boolean {
    if ((this.options as { defaults?: boolean }).defaults === true) return false;
    const adapter = (this.env as unknown as { adapter?: object }).adapter?.constructor.name ?? '';
    return process.stdin.isTTY === true || !['QueuedAdapter', 'TerminalAdapter'].includes(adapter);
  }
}
