// The offline coaching turn: walks the template's question bank in order, reflects the user's
// answer back, names values from the template's indicators, proposes the result once enough
// is known and records agreement when the user confirms. Deterministic: same input, same turn.
import { quote, sentences } from '../domain/text.js';
import type { ResultStatus } from '../domain/kernel.js';
import type { CoachingTemplate } from '../prompts/template.js';
import type { CoachAnswer } from './coach-request.js';

/** What the offline coach is told about the turn it answers. */
export interface OfflineTurnInput {
  readonly template: CoachingTemplate;
  readonly userMessage: string;
  /** User messages so far, this one included. */
  readonly userTurns: number;
  readonly identifiedValues: readonly string[];
  readonly resultStatus: ResultStatus;
}

function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
}

/** Template indicators whose stems start any word of the text, in template order. */
export function valuesIn(text: string, template: CoachingTemplate): string[] {
  const found = words(text);
  return Object.entries(template.indicators)
    .filter(([, stems]) =>
      stems.some((stem) => found.some((w) => w.startsWith(stem.toLowerCase()))),
    )
    .map(([name]) => name);
}

/** The user's first sentence, quoted back with its own end, or a full stop inside the quote. */
function reflectionOf(text: string): string {
  const sentence = quote(sentences(text)[0] ?? text, 140);
  return `You said: "${sentence}${/[.!?…]$/.test(sentence) ? '' : '.'}"`;
}

function confirms(text: string, template: CoachingTemplate): boolean {
  const lower = ` ${words(text).join(' ')} `;
  return template.completion.confirmation_words.some((w) =>
    lower.includes(` ${words(w).join(' ')} `),
  );
}

function listing(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

function nextQuestion(template: CoachingTemplate, userTurns: number): string {
  const questions = template.question_bank.flatMap((category) =>
    category.questions.flatMap((q) => [q.question, ...q.follow_ups.slice(0, 1)]),
  );
  return questions[(userTurns - 1) % questions.length] as string;
}

export function offlineCoachAnswer(task: OfflineTurnInput): CoachAnswer {
  const { template, userMessage, userTurns } = task;
  // The answer holds at most ten new values (its schema's limit), however many were named.
  const newValues = valuesIn(userMessage, template).slice(0, 10);
  const known = [...new Set([...task.identifiedValues, ...newValues])];
  const reflection = reflectionOf(userMessage);
  const insights = newValues.map((value) => `${value} shows up in what you shared`);
  const result = template.result_name;

  if (task.resultStatus === 'proposed' && confirms(userMessage, template)) {
    return {
      ai_response: `${reflection} Then we have agreed on your ${result}: ${listing(known)}.`,
      follow_up_question: null,
      insights,
      identified_values: newValues,
      next_steps: template.completion.criteria.map((c) => `Keep checking: ${c}`),
      result_status: 'agreed',
    };
  }

  // The first synthesis turn still gathers; the result is put to the user on the turn after.
  const synthesisReached = userTurns > template.phase_thresholds.synthesis;
  if (
    synthesisReached &&
    known.length >= template.completion.min_items &&
    task.resultStatus !== 'agreed'
  ) {
    const question = `Does this capture your ${result}?`;
    return {
      ai_response: `${reflection} Here is what I am hearing as your ${result}: ${listing(known)}. ${question}`,
      follow_up_question: question,
      insights,
      identified_values: newValues,
      next_steps: null,
      result_status: 'proposed',
    };
  }

  const question = nextQuestion(template, userTurns);
  const noticed =
    newValues.length > 0
      ? ` I hear ${listing(newValues.map((v) => v.toLowerCase()))} in what you said.`
      : '';
  return {
    ai_response: `${reflection}${noticed} ${question}`,
    follow_up_question: question,
    insights,
    identified_values: newValues,
    next_steps: null,
    result_status: task.resultStatus === 'agreed' ? 'agreed' : 'exploring',
  };
}
