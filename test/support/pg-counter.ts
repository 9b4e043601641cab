/**
 * A TCP proxy between an application and PostgreSQL that counts database round trips, by reading the
 * frontend (client to server) side of the wire protocol v3 and forwarding both sides unchanged.
 *
 * One round trip is one message after which the client waits for the server's answer: a simple query ('Q',
 * however many statements it holds), a Sync ('S', closing one extended-protocol exchange: the Parse, Bind,
 * Describe, Execute... before it cost one round trip), a Flush ('H': asyncpg sends Parse, Describe, Flush to
 * prepare a statement and reads its description before it binds it, so a statement's first use on a connection
 * costs one more) or a function call ('F'). Messages pipelined before one of those count once, as they cost
 * once. Terminate ('X') and everything else count nothing. `messages()` tells each type's count, to explain a
 * total.
 *
 * Connections are counted too (each StartupMessage: one new session on the server), to see a pool's churn.
 * An SSLRequest or GSSENCRequest is answered 'N' by the proxy itself, so the client goes on in plain text
 * (asyncpg's default sslmode=prefer does; a client with sslmode=require fails, by design). A CancelRequest
 * is forwarded on its own connection and is not a session.
 *
 * The proxy runs on the caller's event loop: never block it (execFileSync, a psql waiting on a lock...) while
 * a proxied app has a transaction open, or the app's COMMIT waits for the loop and the loop for the app.
 *
 *   const counter = await startPgCounter();            // listens on 127.0.0.1:<counter.port>
 *   // point DATABASE_URL at counter.port, send requests, then:
 *   counter.roundTrips(); counter.connections(); counter.reset(); await counter.close();
 */
import { connect, createServer, type Socket } from 'node:net';

export interface PgCounter {
  /** The port the proxy listens on, on 127.0.0.1. */
  port: number;
  /** Round trips ('Q', 'S', 'H', 'F' messages) sent by all clients since the start or the last reset. */
  roundTrips(): number;
  /** Sessions opened (StartupMessages) since the start or the last reset. */
  connections(): number;
  /** Each message type's count since the start or the last reset, e.g. { Q: 3, P: 2, B: 5, S: 5 }. */
  messages(): Record<string, number>;
  reset(): void;
  /** Stop listening and cut every proxied connection. */
  close(): Promise<void>;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const ROUND_TRIP_TYPES = new Set(['Q', 'S', 'H', 'F']);

export async function startPgCounter(targetPort = 5432, targetHost = '127.0.0.1'): Promise<PgCounter> {
  let roundTrips = 0;
  let connections = 0;
  let messages: Record<string, number> = {};
  const sockets = new Set<Socket>();

  const server = createServer((client) => {
    const upstream = connect({ port: targetPort, host: targetHost });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.setNoDelay(true);
      socket.on('close', () => sockets.delete(socket));
    }
    // Either side ending or failing ends the other: the client sees the server go, as it would.
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.end());
    upstream.on('close', () => client.end());
    upstream.pipe(client);

    // Before the StartupMessage, untyped packets (Int32 length including itself, Int32 code) are held until
    // complete, to answer the encryption requests here. After it, chunks are forwarded as they come, and
    // only the typed messages' 5-byte headers (Byte1 type, Int32 length including itself) are read.
    let startup: Buffer | null = Buffer.alloc(0);
    let header: Buffer = Buffer.alloc(0);
    let skip = 0;

    const countTyped = (chunk: Buffer) => {
      let offset = 0;
      while (offset < chunk.length) {
        if (skip > 0) {
          const skipped = Math.min(skip, chunk.length - offset);
          skip -= skipped;
          offset += skipped;
          continue;
        }
        const part = chunk.subarray(offset, offset + 5 - header.length);
        header = header.length === 0 ? part : Buffer.concat([header, part]);
        offset += part.length;
        if (header.length < 5) return;
        const type = String.fromCharCode(header[0]!);
        skip = header.readInt32BE(1) - 4;
        header = Buffer.alloc(0);
        messages[type] = (messages[type] ?? 0) + 1;
        if (ROUND_TRIP_TYPES.has(type)) roundTrips++;
      }
    };

    client.on('data', (chunk: Buffer) => {
      if (startup === null) {
        countTyped(chunk);
        upstream.write(chunk);
        return;
      }
      startup = Buffer.concat([startup, chunk]);
      while (startup !== null && startup.length >= 8) {
        const length = startup.readInt32BE(0);
        if (startup.length < length) return;
        const code = startup.readInt32BE(4);
        const packet = startup.subarray(0, length);
        const rest = startup.subarray(length);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          client.write('N');
          startup = rest;
          continue;
        }
        upstream.write(packet);
        if (code !== CANCEL_REQUEST) connections++;
        startup = null;
        if (rest.length > 0) {
          countTyped(rest);
          upstream.write(rest);
        }
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the counter has no TCP port');

  return {
    port: address.port,
    roundTrips: () => roundTrips,
    connections: () => connections,
    messages: () => ({ ...messages }),
    reset: () => {
      roundTrips = 0;
      connections = 0;
      messages = {};
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
