// The local server's command line: `npm start -- --port 8001 --host 0.0.0.0` sets PORT and HOST
// for this run, over .env and the environment; `--dev` is npm run dev's own. Anything else is
// refused in one line, never ignored.
import { parseArgs } from 'node:util';
import { StartupError } from './startup-error.js';

export interface ServerArguments {
  readonly dev: boolean;
  /** What the command line sets, as the variables it stands for (PORT, HOST). */
  readonly settings: Readonly<Record<string, string>>;
}

const takes = 'npm start takes --port <number> and --host <address> (or PORT and HOST)';

const options = {
  dev: { type: 'boolean' },
  port: { type: 'string' },
  host: { type: 'string' },
} as const;

export function serverArguments(args: readonly string[]): ServerArguments {
  const { values, tokens } = parseArgs({
    args: [...args],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  for (const token of tokens) {
    if (token.kind === 'positional') {
      throw new StartupError(`Unexpected argument "${token.value}": ${takes}`);
    }
    if (token.kind === 'option' && !(token.name in options)) {
      throw new StartupError(`Unknown option ${token.rawName}: ${takes}`);
    }
  }
  const settings: Record<string, string> = {};
  for (const [name, variable] of [
    ['port', 'PORT'],
    ['host', 'HOST'],
  ] as const) {
    const value = values[name];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.trim() === '') {
      throw new StartupError(
        `--${name} needs a value, e.g. --${name} ${name === 'port' ? '8001' : '0.0.0.0'}`,
      );
    }
    settings[variable] = value;
  }
  const port = settings.PORT;
  if (port !== undefined && !(/^\d{1,5}$/.test(port) && Number(port) <= 65535)) {
    throw new StartupError(`--port ${port} is not a port number: use 0–65535, e.g. --port 8001`);
  }
  return { dev: values.dev === true, settings };
}
