// The one logger: winston writing one JSON object a line, with `timestamp`, `level` and an
// `event` name; the rest of the fields are the call's own. On a terminal the same lines can be
// rendered for a person instead (`pretty`): time, level, event, then the fields as key=value.
import winston from 'winston';

export interface LogFields {
  readonly event: string;
  readonly [field: string]: unknown;
}

export interface Logger {
  debug(fields: LogFields): void;
  info(fields: LogFields): void;
  warn(fields: LogFields): void;
  error(fields: LogFields): void;
}

export type LogFormat = 'json' | 'pretty';

export interface LoggerOptions {
  readonly format?: LogFormat;
  readonly silent?: boolean;
  /** Colour the level names (pretty only; the terminal says whether it can). */
  readonly colors?: boolean;
}

const levelColors: Record<string, string> = {
  debug: '\x1b[2m',
  info: '\x1b[36m',
  warn: '\x1b[33m',
  error: '\x1b[31m',
};

/** Fields the pretty line shows in its own place, or not at all. */
const placed = new Set(['timestamp', 'level', 'message', 'event', 'stack']);

function fieldText(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** The request line reads like a request: `POST /api/v1/… → 201 in 12.5 ms`. */
function summary(info: Record<string, unknown>): { text: string; shown: string[] } {
  if (info.event === 'request' && typeof info.method === 'string') {
    const path = fieldText(info.path ?? info.route ?? '');
    return {
      text: `${info.method} ${path} → ${fieldText(info.status)} in ${fieldText(info.duration_ms)} ms`,
      shown: ['method', 'path', 'route', 'status', 'duration_ms'],
    };
  }
  return { text: '', shown: [] };
}

export function prettyLine(info: Record<string, unknown>, colors = false): string {
  const time = typeof info.timestamp === 'string' ? info.timestamp.slice(11, 23) : '';
  const level = String(info.level).toUpperCase().padEnd(5);
  const coloured = colors ? `${levelColors[String(info.level)] ?? ''}${level}\x1b[0m` : level;
  const { text, shown } = summary(info);
  const fields = Object.entries(info)
    .filter(([key, value]) => !placed.has(key) && !shown.includes(key) && value !== undefined)
    .map(([key, value]) => `${key}=${fieldText(value)}`);
  const head = [time, coloured, String(info.event ?? info.message), text, ...fields]
    .filter(Boolean)
    .join('  ');
  const stack = typeof info.stack === 'string' ? `\n${info.stack.replace(/^/gm, '    ')}` : '';
  return head + stack;
}

export function createLogger(level: string, options: LoggerOptions = {}): Logger {
  const render =
    options.format === 'pretty'
      ? winston.format.printf((info) => prettyLine(info, options.colors))
      : winston.format.json();
  const logger = winston.createLogger({
    level,
    silent: options.silent ?? false,
    format: winston.format.combine(winston.format.timestamp(), render),
    transports: [new winston.transports.Console()],
  });
  const at =
    (lvl: string) =>
    (fields: LogFields): void => {
      // A line below the level (or any line when silent) is dropped before it is built and
      // pushed through winston's stream, which would drop it only at the end.
      if (logger.silent || !logger.isLevelEnabled(lvl)) return;
      logger.log({ level: lvl, message: fields.event, ...fields });
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
