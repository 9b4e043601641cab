/**
 * HTTP load for fault-injection tests: requests timed and recorded one by one (status, latency, Retry-After,
 * body), concurrent clients looping until stopped, and polling until a URL answers a given status.
 */
import { performance } from 'node:perf_hooks';

export interface Sample {
  method: string;
  path: string;
  /** The HTTP status, or 0 when no response came (connection reset, refused, or the client's timeout). */
  status: number;
  /** performance.now() when the request was sent, and its duration, in milliseconds. */
  startedAt: number;
  ms: number;
  retryAfter: string | null;
  body: string;
  /** Why there was no response (status 0). */
  error?: string;
}

/** Every request sent through it, in completion order; each request aborted after `timeoutMs`. */
export class Recorder {
  readonly samples: Sample[] = [];

  constructor(
    readonly base: string,
    readonly timeoutMs: number,
  ) {}

  /** Send one request (a JSON body when given) and record it; never throws. */
  async send(method: string, path: string, json?: unknown): Promise<Sample> {
    const startedAt = performance.now();
    let sample: Sample;
    try {
      const response = await fetch(`${this.base}${path}`, {
        method,
        headers: json === undefined ? {} : { 'content-type': 'application/json' },
        body: json === undefined ? undefined : JSON.stringify(json),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const body = await response.text();
      sample = {
        method,
        path,
        status: response.status,
        startedAt,
        ms: performance.now() - startedAt,
        retryAfter: response.headers.get('retry-after'),
        body,
      };
    } catch (error) {
      const ms = performance.now() - startedAt;
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      sample = { method, path, status: 0, startedAt, ms, retryAfter: null, body: '', error: reason };
    }
    this.samples.push(sample);
    return sample;
  }

  /** The samples of requests sent at or after `from` and before `to` (performance.now() values). */
  sentBetween(from: number, to = Infinity): Sample[] {
    return this.samples.filter((sample) => sample.startedAt >= from && sample.startedAt < to);
  }
}

export interface Load {
  /** Stop looping and wait for every client's request in flight. */
  stop: () => Promise<void>;
}

/** Run `iteration(client)` in a loop on `clients` concurrent clients until `stop()`; its errors end the load. */
export function startLoad(clients: number, iteration: (client: number) => Promise<void>): Load {
  let running = true;
  const loops = Array.from({ length: clients }, async (_, client) => {
    while (running) await iteration(client);
  });
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

/**
 * Poll `url` (each try bounded by `timeoutMs` too) until it answers `status`; returns the milliseconds that
 * took. Throws with the last answer seen when it does not within `timeoutMs`.
 */
export async function waitForStatus(url: string, status: number, timeoutMs: number): Promise<number> {
  const begin = performance.now();
  let last = 'nothing';
  for (;;) {
    const left = timeoutMs - (performance.now() - begin);
    if (left <= 0) break;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(Math.ceil(left)) });
      const body = await response.text();
      if (response.status === status) return performance.now() - begin;
      last = `${response.status} ${body}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(100);
  }
  throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms; last: ${last}`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
