// Why the local server could not start, as one line that names the cause and the fix; the
// entry prints it instead of a stack trace.
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

const hostFix = 'use HOST=127.0.0.1 (this machine only) or HOST=0.0.0.0 (every interface)';

/** The listen failures a person can fix, said so; anything else stays as it was. */
export function listenProblem(error: unknown, host: string, port: number): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'EADDRINUSE':
      return new StartupError(
        `Port ${port} on ${host} is already in use, probably by another server: stop it, or choose another port, e.g. PORT=${port + 1} npm start`,
      );
    case 'EACCES':
      return new StartupError(
        `Port ${port} on ${host} needs privileges this process does not have: choose a port above 1023, e.g. PORT=8000 npm start`,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return new StartupError(`HOST=${host} does not resolve to an address: ${hostFix}`);
    case 'EADDRNOTAVAIL':
      return new StartupError(`HOST=${host} is not an address of this machine: ${hostFix}`);
    default:
      return error;
  }
}
