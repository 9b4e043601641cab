/**
 * Email in the end-to-end suite: a real SMTP server (aiosmtpd, mail_sink.py, in a cached venv of its own) on a
 * free loopback port, which writes what it receives to an inbox file, and the links read from it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startProcess } from './http.js';
import { venvFor } from './python.js';
import { isPortOpen } from './servers.js';

const MAIL_SINK = fileURLToPath(new URL('./mail_sink.py', import.meta.url));
const AIOSMTPD = 'aiosmtpd==1.4.6';

export interface Received {
  /** The envelope's sender. */
  sender: string;
  to: string;
  subject: string;
  /** The text part, decoded. */
  text: string;
}

export interface MailSink {
  port: number;
  inbox: string;
  /** The messages received so far, oldest first. */
  received: () => Received[];
  stop: () => Promise<number | null>;
}

/** Start the SMTP server; its inbox file is `dir`/inbox.jsonl. */
export async function startMailSink(dir: string): Promise<MailSink> {
  const python = join(await venvFor([AIOSMTPD]), 'bin', 'python');
  const port = await freePort();
  const inbox = join(dir, 'inbox.jsonl');
  const sink = startProcess(python, [MAIL_SINK, String(port), inbox], dir, process.env);
  await waitFor(() => isPortOpen(port), 'the SMTP server to listen', sink.output);
  return { port, inbox, received: () => receivedIn(inbox), stop: sink.stop };
}

function receivedIn(inbox: string): Received[] {
  return existsSync(inbox)
    ? readFileSync(inbox, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Received)
    : [];
}

/** Poll `ready` every 100 ms until it holds; fail after `timeoutMs`, saying what was awaited. */
export async function waitFor(
  ready: () => Promise<boolean> | boolean,
  what: string,
  output: () => string = () => '',
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The token of the link to `page` in the newest email to `to` in the inbox file (each email is sent after the
 * response that asked for it: waits for it).
 */
export async function linkToken(sink: MailSink, to: string, page: string): Promise<string> {
  const pattern = new RegExp(`${page.replace(/[.?/]/g, '\\$&')}\\?token=(\\S+)`);
  let token: string | undefined;
  await waitFor(() => {
    token = sink
      .received()
      .filter((message) => message.to === to)
      .map((message) => pattern.exec(message.text)?.[1])
      .findLast((found) => found !== undefined);
    return token !== undefined;
  }, `an email to ${to} with a link to ${page}`);
  return token!;
}
