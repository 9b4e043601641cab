/**
 * Private database servers for fault-injection tests: each call starts its own PostgreSQL or MariaDB on a free
 * 127.0.0.1 port, with its data in a fresh temp folder, so a test can stop, freeze or kill it without touching
 * the shared servers of servers.ts. Trust auth (PostgreSQL role `postgres`, MariaDB `root` with no password),
 * tuned for speed (fsync off, small buffers) but so that a crash-like `stop()` keeps every committed
 * transaction: only an OS crash could lose data. Linux only: processes are found in /proc.
 *
 * As root the servers run as the `postgres` / `mysql` OS users (which own the temp folder); otherwise as the
 * current user. Every server of this process is killed and its folder removed on `destroy()`, on
 * `destroyAllPrivateServers()` and, as a last resort, when the process exits.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './http.js';
import { REPO_ROOT } from './paths.js';
import { mustRun } from './python.js';
import { isPortOpen } from './servers.js';

export type PrivateKind = 'postgresql' | 'mariadb';

export interface PrivateServer {
  readonly kind: PrivateKind;
  /** The temp folder holding the data dir, socket, pid file and server log. */
  readonly dir: string;
  /** The TCP port on 127.0.0.1; the same after every `start()`. */
  readonly port: number;
  /** Milliseconds taken by the data dir's creation and by the last `start()`. */
  readonly timings: { initMs: number; startMs: number };
  /** Async SQLAlchemy URL of one database on this server. */
  url(dbName: string): string;
  /** Create (or re-create, empty) a database; utf8mb4 on MariaDB. */
  createDatabase(name: string): Promise<void>;
  /** Run SQL through psql / mysql (tab-separated rows, no headers); fails on an SQL error, or after 5 s if frozen. */
  sql(statement: string, dbName?: string): Promise<string>;
  /**
   * Take the server down so that connections are refused. Crash-like by default (`pg_ctl -m immediate`,
   * SIGKILL of mariadbd); `graceful` shuts down cleanly. Thaws a frozen server first.
   */
  stop(options?: { graceful?: boolean }): Promise<void>;
  /** Start again on the same data dir and port; resolves once it accepts connections. No-op while running. */
  start(): Promise<void>;
  /** SIGSTOP every server process: TCP connects still succeed (kernel backlog) but nothing answers. */
  freeze(): void;
  /** SIGCONT every server process. */
  thaw(): void;
  /** The server's live process ids, main process first; empty while stopped. */
  pids(): number[];
  /** The server's log so far (for failure messages). */
  log(): string;
  /** Kill every process (SIGKILL, even frozen) and remove the temp folder. Idempotent. */
  destroy(): Promise<void>;
}

const IS_ROOT = process.getuid?.() === 0;
const READY_TIMEOUT_MS = 30_000;
const CLIENT_TIMEOUT_MS = 30_000;
/** Start attempts on a new free port when the first one was taken between `freePort()` and the bind. */
const PORT_ATTEMPTS = 3;

/** Servers of this process not destroyed yet, for `destroyAllPrivateServers` and the exit hook. */
const live = new Set<Internal>();
let exitHookInstalled = false;

interface Internal extends PrivateServer {
  /** Synchronous last-resort cleanup: SIGKILL and remove the folder. */
  killNow(): void;
}

export function startPrivatePostgres(): Promise<PrivateServer> {
  return startWithRetries(() => new PrivatePostgres());
}

export function startPrivateMariadb(): Promise<PrivateServer> {
  return startWithRetries(() => new PrivateMariadb());
}

/** Destroy every private server this process started (for a mocha `after` hook). */
export async function destroyAllPrivateServers(): Promise<void> {
  await Promise.all([...live].map((server) => server.destroy()));
}

async function startWithRetries(make: () => Base): Promise<PrivateServer> {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => live.forEach((server) => server.killNow()));
  }
  const server = make();
  live.add(server);
  try {
    await server.init();
    for (let attempt = 1; ; attempt++) {
      const logSoFar = server.log().length;
      try {
        await server.start();
        return server;
      } catch (error) {
        const newLog = server.log().slice(logSoFar);
        if (attempt >= PORT_ATTEMPTS || !/address already in use/i.test(newLog)) throw error;
        await server.stop();
        server.port = await freePort();
      }
    }
  } catch (error) {
    await server.destroy();
    throw error;
  }
}

abstract class Base implements Internal {
  abstract readonly kind: PrivateKind;
  port = 0;
  readonly timings = { initMs: 0, startMs: 0 };
  protected destroyed = false;

  constructor(
    readonly dir: string,
    /** The OS user the server runs as when this process is root. */
    protected readonly osUser: string,
  ) {}

  abstract url(dbName: string): string;
  abstract createDatabase(name: string): Promise<void>;
  abstract sql(statement: string, dbName?: string): Promise<string>;
  abstract log(): string;
  /** Create the data dir (timed by `init`). */
  protected abstract initData(): Promise<void>;
  /** Start the server process and wait until it accepts connections (timed by `start`). */
  protected abstract startServer(): Promise<void>;
  /** Take the server down, the main process being `pid` (null when not running). */
  protected abstract stopServer(pid: number | null, graceful: boolean): Promise<void>;
  /** The main process id as recorded on disk, unchecked. */
  protected abstract recordedPid(): number | null;

  async init(): Promise<void> {
    if (IS_ROOT) {
      const uid = Number(await mustRun('id', ['-u', this.osUser], { cwd: REPO_ROOT }));
      const gid = Number(await mustRun('id', ['-g', this.osUser], { cwd: REPO_ROOT }));
      chownSync(this.dir, uid, gid);
    }
    this.port = await freePort();
    const begin = Date.now();
    await this.initData();
    this.timings.initMs = Date.now() - begin;
  }

  async start(): Promise<void> {
    if (this.destroyed) throw new Error(`private ${this.kind} server was destroyed`);
    if (this.mainPid() !== null) return;
    const begin = Date.now();
    await this.startServer();
    this.timings.startMs = Date.now() - begin;
  }

  async stop(options: { graceful?: boolean } = {}): Promise<void> {
    const pid = this.mainPid();
    if (pid !== null) this.thaw();
    await this.stopServer(pid, options.graceful ?? false);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while ((await isPortOpen(this.port)) || this.pids().length > 0) {
      if (Date.now() > deadline) throw new Error(`private ${this.kind} server did not stop:\n${this.log()}`);
      await sleep(50);
    }
  }

  freeze(): void {
    this.signal('SIGSTOP');
  }

  thaw(): void {
    this.signal('SIGCONT');
  }

  /** The main process id, if that process is alive and really this server's (its command line names `dir`). */
  protected mainPid(): number | null {
    const pid = this.recordedPid();
    if (pid === null || !isAlive(pid)) return null;
    const cmdline = readProc(pid, 'cmdline')?.split('\0').join(' ') ?? '';
    return cmdline.includes(this.dir) ? pid : null;
  }

  pids(): number[] {
    const pid = this.mainPid();
    return pid === null ? [] : [pid, ...descendants(pid)];
  }

  protected signal(signal: NodeJS.Signals, pids = this.pids()): void {
    for (const pid of pids) {
      try {
        process.kill(pid, signal);
      } catch {
        // gone meanwhile
      }
    }
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    const pids = this.pids();
    this.killNow();
    const deadline = Date.now() + 10_000;
    while (pids.some(isAlive) && Date.now() < deadline) await sleep(50);
  }

  killNow(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    live.delete(this);
    const pids = this.pids();
    this.signal('SIGKILL', pids);
    if (pids[0] !== undefined) this.afterKill?.(pids[0]);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Release what a SIGKILLed server (main process `pid`) leaves behind. */
  protected afterKill?(pid: number): void;

  /** Run a server-side program: as `osUser` when root (setpriv), from the server's own folder. */
  protected serverCommand(command: string, args: string[], timeoutMs = 60_000): Promise<string> {
    if (!IS_ROOT) return mustRun(command, args, { cwd: this.dir, timeoutMs });
    const setpriv = [`--reuid=${this.osUser}`, `--regid=${this.osUser}`, '--init-groups', '--', command];
    return mustRun('setpriv', [...setpriv, ...args], { cwd: this.dir, timeoutMs });
  }

  protected readLog(path: string): string {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return '';
    }
  }
}

/** The bin folder of the newest PostgreSQL under /usr/lib/postgresql (Debian), or PATH. */
function pgBin(name: string): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const version = versions.find((v) => existsSync(join(root, v, 'bin', 'initdb')));
  return version === undefined ? name : join(root, version, 'bin', name);
}

class PrivatePostgres extends Base {
  readonly kind = 'postgresql';
  private readonly data: string;

  constructor() {
    super(mkdtempSync(join(tmpdir(), 'forge-private-pg-')), 'postgres');
    this.data = join(this.dir, 'data');
  }

  url(dbName: string): string {
    return `postgresql+asyncpg://postgres@127.0.0.1:${this.port}/${dbName}`;
  }

  async createDatabase(name: string): Promise<void> {
    await this.sql(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await this.sql(`CREATE DATABASE "${name}"`);
  }

  sql(statement: string, dbName = 'postgres'): Promise<string> {
    const args = ['-X', '-h', '127.0.0.1', '-p', String(this.port), '-U', 'postgres', '-d', dbName];
    return mustRun('psql', [...args, '-v', 'ON_ERROR_STOP=1', '-qAtc', statement], {
      cwd: REPO_ROOT,
      timeoutMs: CLIENT_TIMEOUT_MS,
      env: { ...process.env, PGCONNECT_TIMEOUT: '5' },
    });
  }

  log(): string {
    return this.readLog(join(this.dir, 'server.log'));
  }

  protected async initData(): Promise<void> {
    await this.serverCommand(pgBin('initdb'), [
      '-D',
      this.data,
      '-U',
      'postgres',
      '--auth=trust',
      '--no-sync',
      '-E',
      'UTF8',
      '--locale=C.UTF-8',
    ]);
    // Appending keeps the file's owner; the port is given at each start (-p) so a retry can change it.
    const socketDir = this.dir.replaceAll("'", "''");
    appendFileSync(
      join(this.data, 'postgresql.conf'),
      [
        '',
        '# private test server (test/support/private-db.ts)',
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${socketDir}'`,
        'fsync = off',
        'full_page_writes = off',
        'shared_buffers = 16MB',
        'max_connections = 50',
        '',
      ].join('\n'),
    );
  }

  protected async startServer(): Promise<void> {
    const args = ['-D', this.data, '-l', join(this.dir, 'server.log'), '-w', '-t', '30'];
    await this.serverCommand(pgBin('pg_ctl'), [...args, '-o', `-p ${this.port}`, 'start']).catch(
      (error: Error) => {
        throw new Error(`${error.message}\n${this.log()}`);
      },
    );
    await waitFor(
      () => isPortOpen(this.port),
      `private postgresql on port ${this.port}`,
      () => this.log(),
    );
  }

  protected async stopServer(pid: number | null, graceful: boolean): Promise<void> {
    if (pid === null) return;
    const mode = graceful ? 'fast' : 'immediate';
    try {
      await this.serverCommand(pgBin('pg_ctl'), ['-D', this.data, '-m', mode, '-w', '-t', '30', 'stop']);
    } catch {
      this.signal('SIGKILL'); // pg_ctl gave up: make sure it is down all the same
    }
  }

  protected recordedPid(): number | null {
    return pidFromFile(join(this.data, 'postmaster.pid'));
  }

  /**
   * A SIGKILLed postmaster leaves its small System V segment behind: remove the segments that this postmaster
   * created (and only those: /proc/sysvipc/shm names each segment's creator pid).
   */
  protected override afterKill(pid: number): void {
    const table = this.readLog('/proc/sysvipc/shm').split('\n').slice(1);
    for (const row of table) {
      const [, shmid, , , cpid] = row.trim().split(/\s+/);
      if (shmid !== undefined && Number(cpid) === pid) {
        spawnSync('ipcrm', ['-m', shmid], { cwd: REPO_ROOT, stdio: 'ignore' });
      }
    }
  }
}

class PrivateMariadb extends Base {
  readonly kind = 'mariadb';
  private child: ChildProcess | undefined;

  constructor() {
    super(mkdtempSync(join(tmpdir(), 'forge-private-mariadb-')), 'mysql');
  }

  url(dbName: string): string {
    return `mysql+aiomysql://root@127.0.0.1:${this.port}/${dbName}?charset=utf8mb4`;
  }

  async createDatabase(name: string): Promise<void> {
    await this.sql(`DROP DATABASE IF EXISTS \`${name}\`; CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  }

  sql(statement: string, dbName?: string): Promise<string> {
    const args = [
      '--no-defaults',
      '--protocol=TCP',
      '-h',
      '127.0.0.1',
      '-P',
      String(this.port),
      '-u',
      'root',
    ];
    if (dbName !== undefined) args.push('-D', dbName);
    return mustRun('mysql', [...args, '--connect-timeout=5', '-N', '-B', '-e', statement], {
      cwd: REPO_ROOT,
      timeoutMs: CLIENT_TIMEOUT_MS,
    });
  }

  log(): string {
    return this.readLog(join(this.dir, 'error.log'));
  }

  /** Options shared by mariadb-install-db and mariadbd; --no-defaults keeps the shared server's my.cnf out. */
  private options(): string[] {
    return [
      '--no-defaults',
      `--datadir=${join(this.dir, 'data')}`,
      ...(IS_ROOT ? [`--user=${this.osUser}`] : []),
      '--skip-name-resolve',
      '--innodb-buffer-pool-size=16M',
      '--innodb-log-file-size=8M',
    ];
  }

  protected async initData(): Promise<void> {
    // `normal`: root@localhost, root@127.0.0.1 and root@::1 with no password, like the shared server.
    const args = ['--auth-root-authentication-method=normal', '--skip-test-db', '--skip-log-bin'];
    await mustRun('mariadb-install-db', [...this.options(), ...args], { cwd: this.dir, timeoutMs: 60_000 });
  }

  protected async startServer(): Promise<void> {
    const args = [
      ...this.options(),
      `--port=${this.port}`,
      '--bind-address=127.0.0.1',
      `--socket=${join(this.dir, 'mysqld.sock')}`,
      `--pid-file=${join(this.dir, 'mysqld.pid')}`,
      `--log-error=${join(this.dir, 'error.log')}`,
      `--tmpdir=${this.dir}`,
      '--skip-log-bin',
      '--skip-performance-schema',
      // 2: the log reaches the OS at each commit, so a SIGKILL loses no committed transaction (0 would)
      '--innodb-flush-log-at-trx-commit=2',
      '--innodb-doublewrite=0',
      '--character-set-server=utf8mb4',
      '--collation-server=utf8mb4_general_ci',
    ];
    const mariadbd = existsSync('/usr/sbin/mariadbd') ? '/usr/sbin/mariadbd' : 'mariadbd';
    const child = spawn(mariadbd, args, { cwd: this.dir, detached: true, stdio: 'ignore' });
    child.on('error', () => undefined); // surfaces as an exit below
    child.unref();
    this.child = child;
    await waitFor(
      async () => {
        if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
          throw new Error(`mariadbd exited before accepting connections:\n${this.log()}`);
        }
        if (!(await isPortOpen(this.port))) return false;
        return this.sql('SELECT 1').then(
          () => true,
          () => false,
        );
      },
      `private mariadb on port ${this.port}`,
      () => this.log(),
    );
  }

  protected async stopServer(pid: number | null, graceful: boolean): Promise<void> {
    if (pid === null) return;
    this.signal(graceful ? 'SIGTERM' : 'SIGKILL', [pid]);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (isAlive(pid)) {
      if (Date.now() > deadline) this.signal('SIGKILL', [pid]);
      await sleep(50);
    }
  }

  /** The pid file, or the process spawned last while it has not written one yet. */
  protected recordedPid(): number | null {
    return pidFromFile(join(this.dir, 'mysqld.pid')) ?? this.child?.pid ?? null;
  }
}

/** First line of a pid file as a number, or null. */
function pidFromFile(path: string): number | null {
  try {
    const pid = Number(readFileSync(path, 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function readProc(pid: number, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined;
  }
}

/** State and parent of a process from /proc/PID/stat (the command name may hold spaces and parentheses). */
function procStat(pid: number): { state: string; ppid: number } | undefined {
  const stat = readProc(pid, 'stat');
  if (stat === undefined) return undefined;
  const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: state ?? '', ppid: Number(ppid) };
}

/** Alive and not a zombie waiting to be reaped. */
function isAlive(pid: number): boolean {
  const stat = procStat(pid);
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
}

/** Every live descendant of a process (PostgreSQL's backends run in their own sessions: no process group). */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const stat = procStat(pid);
    if (stat === undefined || !isAlive(pid)) continue;
    children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), pid]);
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** Poll `ready` until it is true; its errors end the wait at once. */
async function waitFor(ready: () => Promise<boolean>, what: string, log: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`${what} not ready within ${READY_TIMEOUT_MS} ms:\n${log()}`);
    await sleep(50);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
