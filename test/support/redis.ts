/**
 * Redis in the end-to-end suite: the shared server on 127.0.0.1:6379 (started by .ci/run like the databases),
 * and private servers a test may stop (redis-server on a free port, no persistence), never the shared one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startProcess } from './http.js';
import { mustRun } from './python.js';
import { waitFor } from './mail.js';
import { isPortOpen } from './servers.js';

export const REDIS_PORT = 6379;

export interface PrivateRedis {
  url: string;
  stop: () => Promise<void>;
}

/** A redis-server of this test's own, on a free loopback port. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'forge-redis-'));
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
  ];
  const server = startProcess('redis-server', args, dir, process.env);
  await waitFor(() => isPortOpen(port), `redis-server on port ${port}`, server.output);
  return {
    url: `redis://127.0.0.1:${port}/0`,
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Delete the keys of the shared Redis that start with `prefix`. */
export async function deleteRedisKeys(prefix: string): Promise<void> {
  await mustRun('sh', [
    '-c',
    'redis-cli -p "$1" --scan --pattern "$2*" | xargs -r redis-cli -p "$1" del',
    'sh',
    String(REDIS_PORT),
    prefix,
  ]);
}
