/** Email in the end-to-end suite: the SMTP server (mail_sink.py, run with a project's venv) and its inbox file. */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const MAIL_SINK = fileURLToPath(new URL('./mail_sink.py', import.meta.url));

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

interface Received {
  to: string;
  subject: string;
  text: string;
}

/**
 * The token of the link to `page` in the newest email to `to` in the inbox file (each email is sent after the
 * response that asked for it: waits for it).
 */
export async function linkToken(inbox: string, to: string, page: string): Promise<string> {
  const pattern = new RegExp(`${page.replace(/[.?/]/g, '\\$&')}\\?token=(\\S+)`);
  let token: string | undefined;
  await waitFor(() => {
    const messages = existsSync(inbox)
      ? readFileSync(inbox, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as Received)
      : [];
    token = messages
      .filter((message) => message.to === to)
      .map((message) => pattern.exec(message.text)?.[1])
      .findLast((found) => found !== undefined);
    return token !== undefined;
  }, `an email to ${to} with a link to ${page}`);
  return token!;
}
