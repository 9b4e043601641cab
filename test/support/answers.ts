/**
 * Answers for yeoman-test as a user gives them: per question name, the answers in the order the question comes
 * back (a loop asks the same name again), each put through the question's validate as inquirer does. A refused
 * answer is recorded with its message and the next one is typed, as a user retypes at the same question.
 */

interface AskedQuestion {
  name: string;
  message: string;
  validate?: (value: unknown) => true | string | Promise<true | string>;
  choices?: { value: unknown }[];
}

export interface Script {
  /** For withAnswers: the first answer of each name, so that yeoman-test finds one. */
  answers: Record<string, unknown>;
  /** For withAnswers' options. */
  options: { callback: (answer: unknown, context: { question: { name: string } }) => unknown };
  /** Answers refused by a validate, in order: the question's name, the answer and the message shown. */
  refusals: { name: string; answer: unknown; message: string }[];
  /** The choice values offered, per question name, each time the question was asked. */
  offered: Record<string, unknown[][]>;
  /** Scripted answers no question took: a test asserts none is left. */
  unused: () => Record<string, unknown[]>;
}

export function scripted(script: Record<string, unknown[]>): Script {
  const queues = new Map(Object.entries(script).map(([name, answers]) => [name, [...answers]]));
  const refusals: Script['refusals'] = [];
  const offered: Script['offered'] = {};
  const callback: Script['options']['callback'] = (answer, { question }) => {
    const asked = question as AskedQuestion;
    if (asked.choices !== undefined) (offered[asked.name] ??= []).push(asked.choices.map((c) => c.value));
    const queue = queues.get(asked.name);
    if (queue === undefined) return answer;
    for (;;) {
      if (queue.length === 0) throw new Error(`No answer left for "${asked.name}" (${asked.message}).`);
      const next = queue.shift();
      const verdict = asked.validate?.(next) ?? true;
      if (verdict instanceof Promise) throw new Error(`${asked.name}: an async validate is not scripted.`);
      if (verdict === true) return next;
      refusals.push({ name: asked.name, answer: next, message: verdict });
    }
  };
  return {
    answers: Object.fromEntries([...queues].map(([name, answers]) => [name, answers[0]])),
    options: { callback },
    refusals,
    offered,
    unused: () => Object.fromEntries([...queues].filter(([, answers]) => answers.length > 0)),
  };
}
