// The offline provider: answers each request with the request's own deterministic answer (every
// feature writes its offline answer beside its model request), after the same schema check a
// model's answer must pass. It needs no model service, says so in every answer's model name,
// and is never chosen silently in a deployed stage.
import { noUsage } from '../domain/kernel.js';
import { LlmBadResponseError } from '../errors.js';
import type { LlmProvider, StreamSink, StructuredRequest, StructuredResult } from './port.js';
import { checkOutput } from './structured.js';

const OFFLINE_MODEL = 'offline';

/** How many deltas an unpaced streamed offline answer comes in (fewer when it has fewer words). */
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

export interface OfflineOptions {
  /**
   * The pause before each streamed word, so that a person watching (`npm run dev`) sees the text
   * arrive as a model writes it; 0 sends the answer in a few pieces at once.
   */
  readonly paceMs?: number;
}

export function createOfflineProvider(options: OfflineOptions = {}): LlmProvider {
  const paceMs = options.paceMs ?? 0;
  const pieces = (text: string) =>
    paceMs > 0 ? piecesOf(text, Number.MAX_SAFE_INTEGER) : piecesOf(text, STREAM_PIECES);
  const pause = () =>
    paceMs > 0 ? new Promise<void>((resolve) => setTimeout(resolve, paceMs)) : nextTurnOfTheLoop();
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
        // Each piece after a pause (at least a turn of the event loop), so each leaves as its
        // own event.
        for (const piece of pieces(text)) {
          await pause();
          sink.delta(piece);
        }
      }
      return result;
    },
    check: () => Promise.resolve('healthy'),
  };
}
