import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface Served {
  process: ChildProcess;
  output: () => string;
  /** SIGTERM, then the exit code; uvicorn re-raises the signal after a graceful shutdown, which counts as 0. */
  stop: () => Promise<number | null>;
}

/** Start a server process and collect its output; `stop` sends SIGTERM and resolves its exit code. */
export function startProcess(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Served {
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code, signal) => resolve(signal === 'SIGTERM' ? 0 : code)),
  );
  return {
    process: child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Poll a URL until it answers or the server exits; returns the last response. */
export async function waitForHttp(
  url: string,
  served: Served,
  timeoutMs = 30_000,
): Promise<{ status: number; body: string }> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (served.process.exitCode !== null) {
      throw new Error(`server exited with ${served.process.exitCode} before answering:\n${served.output()}`);
    }
    try {
      const response = await fetch(url);
      return { status: response.status, body: await response.text() };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw new Error(`no answer from ${url} within ${timeoutMs} ms:\n${served.output()}`);
}

export interface CallResult {
  status: number;
  /** The parsed JSON body (an empty object when there is none). */
  json: Record<string, unknown>;
  headers: Headers;
}

/**
 * One HTTP call on a running app under /api/v1: a JSON body (`json`, or `raw` JSON text that JSON.stringify
 * cannot write, such as NaN), or a form when `form` is set (the OAuth2 login), with an optional bearer token and
 * other headers (e.g. X-Forwarded-For, which uvicorn believes from 127.0.0.1: a call from another client address).
 */
export async function call(
  base: string,
  method: string,
  path: string,
  options: {
    json?: unknown;
    raw?: string;
    form?: Record<string, string>;
    token?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<CallResult> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (options.json !== undefined || options.raw !== undefined) {
    headers['content-type'] = 'application/json';
    body = options.raw ?? JSON.stringify(options.json);
  } else if (options.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  }
  if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
  const response = await fetch(`${base}/api/v1${path}`, { method, headers, body });
  const text = await response.text();
  const json = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
  return { status: response.status, json, headers: response.headers };
}
