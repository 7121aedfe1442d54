// The one logger: winston writing one JSON object a line, with `timestamp`, `level` and an
// `event` name; the rest of the fields are the call's own.
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

export function createLogger(level: string, silent = false): Logger {
  const logger = winston.createLogger({
    level,
    silent,
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    transports: [new winston.transports.Console()],
  });
  const at =
    (lvl: string) =>
    (fields: LogFields): void => {
      logger.log({ level: lvl, message: fields.event, ...fields });
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
