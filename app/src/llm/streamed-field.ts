// One model call's streamed field, from the answer's JSON text to the sink's deltas: read out
// of the JSON as it arrives (json-field-reader.ts), trimmed the way the schema trims the final
// value (leading whitespace dropped, trailing whitespace held back until more text follows),
// so the deltas join to exactly what the validated answer holds.
import type { StreamSink } from './port.js';
import { JsonFieldReader } from './json-field-reader.js';

const leadingSpace = /^\s+/;
const trailingSpace = /\s+$/;

export class StreamedField {
  private readonly reader: JsonFieldReader | undefined;
  private started = false;
  /** Whitespace at the end of the text so far: sent only if more text follows it. */
  private held = '';
  private sentText = '';

  constructor(
    private readonly field: string | undefined,
    private readonly sink: StreamSink | undefined,
  ) {
    this.reader =
      field && sink ? new JsonFieldReader(field, (text) => this.written(text)) : undefined;
  }

  /** The next piece of the answer's JSON text (a tool input, or a text answer). */
  json(chunk: string): void {
    this.reader?.write(chunk);
  }

  private written(text: string): void {
    let piece = this.started ? text : text.replace(leadingSpace, '');
    if (piece === '') return;
    this.started = true;
    piece = this.held + piece;
    const tail = trailingSpace.exec(piece)?.[0] ?? '';
    this.held = tail;
    const body = piece.slice(0, piece.length - tail.length);
    if (body === '') return;
    this.sentText += body;
    this.sink?.delta(body);
  }

  /**
   * After the answer passed its schema: if what was sent is not its field (a model that wrote
   * the key twice, say), the client is told to start over and gets the whole value at once.
   */
  settle(output: unknown): void {
    if (!this.field || !this.sink) return;
    const value = (output as Record<string, unknown> | null)?.[this.field];
    if (typeof value !== 'string' || value === this.sentText) return;
    if (this.sentText !== '') this.sink.reset();
    if (value !== '') this.sink.delta(value);
  }
}
