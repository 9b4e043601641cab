/**
 * The local database servers the end-to-end suite talks to (127.0.0.1 only): reachability, and creating and
 * dropping the databases of one run through the servers' own command-line clients.
 */
import { connect } from 'node:net';
import type { Database } from '../../src/lib/config.js';
import { mustRun } from './python.js';

export const SERVER_PORTS: Partial<Record<Database, number>> = { postgresql: 5432, mysql: 3306 };

export function isPortOpen(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** SQL on the server, outside any application database. */
function sql(database: Database, statement: string): Promise<string> {
  if (database === 'postgresql') {
    return mustRun('psql', [
      '-h',
      '127.0.0.1',
      '-U',
      'postgres',
      '-d',
      'postgres',
      '-v',
      'ON_ERROR_STOP=1',
      '-qc',
      statement,
    ]);
  }
  return mustRun('mysql', ['-h', '127.0.0.1', '-P', '3306', '-u', 'root', '-e', statement]);
}

export async function createDatabase(database: Database, name: string): Promise<void> {
  if (database === 'postgresql') {
    await sql(database, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await sql(database, `CREATE DATABASE "${name}"`);
  } else if (database === 'mysql') {
    await sql(
      database,
      `DROP DATABASE IF EXISTS \`${name}\`; CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`,
    );
  }
}

export async function dropDatabase(database: Database, name: string): Promise<void> {
  if (database === 'postgresql') await sql(database, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  else if (database === 'mysql') await sql(database, `DROP DATABASE IF EXISTS \`${name}\``);
}

/** Async SQLAlchemy URLs for a database of this run on the local server. */
export function serverUrl(database: Database, name: string): string {
  if (database === 'postgresql') return `postgresql+asyncpg://postgres@127.0.0.1:5432/${name}`;
  return `mysql+aiomysql://root@127.0.0.1:3306/${name}?charset=utf8mb4`;
}
