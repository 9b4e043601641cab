/**
 * A mail catcher on the loopback, standing for mailpit in the e2e suite: plain SMTP (no TLS, no login), every
 * message it accepts kept in `messages`, as mailpit keeps them in its inbox.
 */
import { createServer, type Socket } from 'node:net';

export interface CaughtMessage {
  from: string;
  to: string[];
  /** Headers and body as sent, dot-stuffing undone, lines ending in \n. */
  data: string;
}

export interface MailCatcher {
  port: number;
  messages: CaughtMessage[];
  /** Resolves once `count` messages arrived; rejects after `timeoutMs`. */
  waitFor: (count: number, timeoutMs?: number) => Promise<CaughtMessage[]>;
  close: () => Promise<void>;
}

/** Listen on 127.0.0.1 (a free port unless given) and answer SMTP: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT. */
export function startMailCatcher(port = 0): Promise<MailCatcher> {
  const messages: CaughtMessage[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffer = '';
    let from = '';
    let to: string[] = [];
    let data: string[] | undefined;
    const reply = (line: string) => socket.write(`${line}\r\n`);
    reply('220 catcher ESMTP');
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let end: number;
      while ((end = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (data !== undefined) {
          if (line === '.') {
            messages.push({ from, to, data: data.map((part) => `${part}\n`).join('') });
            data = undefined;
            from = '';
            to = [];
            reply('250 2.0.0 queued');
          } else {
            data.push(line.startsWith('.') ? line.slice(1) : line);
          }
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') {
          reply('250-catcher');
          reply('250 8BITMIME');
        } else if (verb === 'HELO' || verb === 'NOOP') {
          reply('250 catcher');
        } else if (verb === 'MAIL') {
          from = /<([^>]*)>/.exec(line)?.[1] ?? '';
          reply('250 2.1.0 OK');
        } else if (verb === 'RCPT') {
          to.push(/<([^>]*)>/.exec(line)?.[1] ?? '');
          reply('250 2.1.5 OK');
        } else if (verb === 'DATA') {
          data = [];
          reply('354 end with <CRLF>.<CRLF>');
        } else if (verb === 'RSET') {
          from = '';
          to = [];
          reply('250 2.0.0 OK');
        } else if (verb === 'QUIT') {
          reply('221 2.0.0 bye');
          socket.end();
        } else {
          reply('502 5.5.1 not implemented');
        }
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      resolve({
        port: typeof address === 'object' && address ? address.port : port,
        messages,
        waitFor: async (count, timeoutMs = 15_000) => {
          const deadline = Date.now() + timeoutMs;
          while (messages.length < count) {
            if (Date.now() > deadline) {
              throw new Error(`${messages.length} of ${count} messages within ${timeoutMs} ms`);
            }
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
          return messages;
        },
        close: () =>
          new Promise<void>((resolve) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => resolve());
          }),
      });
    });
  });
}
