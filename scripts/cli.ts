// The command line of every script (token, synth, bench, load): node's parseArgs, plus `--help`
// (prints the usage, exits 0, does nothing else) and one line with a pointer to --help for an
// unknown or malformed option.
import { parseArgs } from 'node:util';

type Options = NonNullable<Parameters<typeof parseArgs>[0]>['options'] & object;

const help = { help: { type: 'boolean', short: 'h' } } as const;

export function commandLine<const O extends Options>(
  usage: string,
  options: O,
  args: string[] = process.argv.slice(2),
): ReturnType<typeof parseArgs<{ options: O & typeof help; strict: true }>>['values'] {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({ args, options: { ...options, ...help }, strict: true }));
  } catch (error) {
    return fail((error as Error).message);
  }
  if (values.help === true) {
    process.stdout.write(`${usage.trim()}\n`);
    process.exit(0);
  }
  return values as never;
}

/** A usage error: one line, then exit 2 (the shell's convention for a wrong command line). */
export function fail(message: string): never {
  process.stderr.write(`${message.replace(/\s*\n\s*/g, ' ')} (see --help)\n`);
  process.exit(2);
}
