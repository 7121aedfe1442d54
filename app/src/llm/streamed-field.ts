// One model call's streamed field, from the answer's JSON text to the sink's deltas: read out
// of the JSON as it arrives (JsonFieldReader, below), trimmed the way the schema trims the final
// value (leading whitespace dropped, trailing whitespace held back until more text follows),
// so the deltas join to exactly what the validated answer holds.
import type { StreamSink } from './port.js';

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

// ---- the JSON field reader ----
// Reads one string field of a JSON object while the object's text is still arriving: a model
// writes its structured answer piece by piece, and the text of `ai_response` can be shown
// before the rest (or even the end of it) exists. It only follows the structure far enough to
// know where that string is; whether the whole text is valid JSON is JSON.parse's job later.

const isHighSurrogate = (unit: number) => unit >= 0xd800 && unit <= 0xdbff;
const isLowSurrogate = (unit: number) => unit >= 0xdc00 && unit <= 0xdfff;

const simpleEscapes: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

type StringRole = 'key' | 'field' | 'other';

export class JsonFieldReader {
  /** Containers open around the reading position, outermost first. */
  private readonly containers: ('object' | 'array')[] = [];
  /** In the innermost object: the next string is a key (after `{` or `,`). */
  private expectingKey = false;
  private started = false;
  private finished = false;
  /** The last key read in the outermost object. */
  private lastKey = '';
  private fieldSeen = false;

  private inString = false;
  private role: StringRole = 'other';
  private key = '';
  /** After a backslash: '\\'; inside \uXXXX: 'u' plus the hex digits read so far. */
  private escape = '';
  /** A high surrogate waiting for its low half, which may arrive in the next piece. */
  private pendingHigh = '';
  private out = '';

  /**
   * @param field the outermost object's key whose string value is wanted
   * @param emit called with each newly decoded piece of that string, never with ''
   */
  constructor(
    private readonly field: string,
    private readonly emit: (text: string) => void,
  ) {}

  write(chunk: string): void {
    for (let i = 0; i < chunk.length && !this.finished; i++) {
      const char = chunk[i] as string;
      if (this.inString) this.stringChar(char);
      else this.structureChar(char);
    }
    this.flush();
  }

  private structureChar(char: string): void {
    if (!this.started) {
      // Anything before the object (a Markdown fence around a text answer) is not its text.
      if (char !== '{') return;
      this.started = true;
    }
    const depth = this.containers.length;
    switch (char) {
      case '{':
        this.containers.push('object');
        this.expectingKey = true;
        return;
      case '[':
        this.containers.push('array');
        this.expectingKey = false;
        return;
      case '}':
      case ']':
        this.containers.pop();
        this.expectingKey = false;
        if (this.containers.length === 0) this.finished = true;
        return;
      case ',':
        this.expectingKey = this.containers.at(-1) === 'object';
        return;
      case ':':
        this.expectingKey = false;
        return;
      case '"': {
        this.inString = true;
        const inObject = this.containers.at(-1) === 'object';
        if (inObject && this.expectingKey) {
          this.role = 'key';
          this.key = '';
        } else {
          const wanted = depth === 1 && this.lastKey === this.field && !this.fieldSeen;
          this.role = wanted ? 'field' : 'other';
          if (wanted) this.fieldSeen = true;
        }
        return;
      }
      default:
        return; // whitespace, numbers, true/false/null: nothing to follow
    }
  }

  private stringChar(char: string): void {
    if (this.escape === '') {
      if (char === '\\') this.escape = '\\';
      else if (char === '"') this.endString();
      else this.decoded(char);
      return;
    }
    if (this.escape === '\\') {
      if (char === 'u') {
        this.escape = 'u';
        return;
      }
      this.escape = '';
      // An unknown escape is invalid JSON; keep the character, the final parse will judge.
      this.decoded(simpleEscapes[char] ?? char);
      return;
    }
    this.escape += char;
    if (this.escape.length < 5) return;
    const code = Number.parseInt(this.escape.slice(1), 16);
    this.escape = '';
    this.decoded(Number.isNaN(code) ? '\ufffd' : String.fromCharCode(code));
  }

  /** One UTF-16 code unit of the string's value, raw or from an escape. */
  private decoded(unit: string): void {
    if (this.role === 'key') {
      this.key += unit;
      return;
    }
    if (this.role !== 'field') return;
    const code = unit.charCodeAt(0);
    if (this.pendingHigh) {
      const high = this.pendingHigh;
      this.pendingHigh = '';
      if (isLowSurrogate(code)) {
        this.out += high + unit;
        return;
      }
      this.out += high;
    }
    if (isHighSurrogate(code)) this.pendingHigh = unit;
    else this.out += unit;
  }

  private endString(): void {
    this.inString = false;
    if (this.role === 'key') {
      if (this.containers.length === 1) this.lastKey = this.key;
    } else if (this.role === 'field') {
      this.out += this.pendingHigh; // a lone high surrogate: the text as written
      this.pendingHigh = '';
    }
    this.role = 'other';
  }

  private flush(): void {
    if (this.out === '') return;
    const text = this.out;
    this.out = '';
    this.emit(text);
  }
}
