// The offline provider: answers each request with the request's own deterministic answer (every
// feature writes its offline answer beside its model request), after the same schema check a
// model's answer must pass. It needs no model service, says so in every answer's model name,
// and is never chosen silently in a deployed stage.
import { noUsage } from '../domain/usage.js';
import { LlmBadResponseError } from '../errors.js';
import type { LlmProvider, StreamSink, StructuredRequest, StructuredResult } from './port.js';
import { checkOutput } from './structured.js';

const OFFLINE_MODEL = 'offline';

/** How many deltas a streamed offline answer comes in (fewer when it has fewer words). */
const STREAM_PIECES = 4;

function answer<T>(request: StructuredRequest<T>): StructuredResult<T> {
  // An answer outside its schema is the same failure as a model's: 502, never a 500.
  const checked = checkOutput(request.output.schema, request.offline());
  if (!checked.ok) {
    throw new LlmBadResponseError(
      `the offline answer to ${request.output.name} failed its schema: ${checked.problems}`,
      noUsage,
    );
  }
  return { output: checked.output, model: OFFLINE_MODEL, provider: 'offline', usage: noUsage };
}

/** The text cut at word boundaries into at most `count` pieces that join to it. */
export function piecesOf(text: string, count: number): string[] {
  const words = text.split(/(?<=\s)(?=\S)/);
  const size = Math.ceil(words.length / count);
  const pieces: string[] = [];
  for (let i = 0; i < words.length; i += size) pieces.push(words.slice(i, i + size).join(''));
  return pieces;
}

const nextTurnOfTheLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export function createOfflineProvider(): LlmProvider {
  return {
    name: 'offline',
    // A request's timeoutMs needs no handling: the answer is there at once, within any budget.
    generate<T>(request: StructuredRequest<T>): Promise<StructuredResult<T>> {
      try {
        return Promise.resolve(answer(request));
      } catch (error) {
        return Promise.reject(error as Error);
      }
    },
    async stream<T>(request: StructuredRequest<T>, sink: StreamSink) {
      const result = answer(request);
      const field = request.output.streamedField;
      const text = field ? (result.output as Record<string, unknown>)[field] : undefined;
      if (typeof text === 'string') {
        // Each piece on its own turn of the event loop, so each leaves as its own event.
        for (const piece of piecesOf(text, STREAM_PIECES)) {
          sink.delta(piece);
          await nextTurnOfTheLoop();
        }
      }
      return result;
    },
    check: () => Promise.resolve('healthy'),
  };
}
