// Writes the OpenAPI document exactly as the app serves it, then lints it with Redocly's CLI
// (`npm run lint:openapi`). Redocly's output passes through, less its boxed banner (on Node 20:
// a notice that its future releases need Node 22, which this project knows and says).
// Usage: tsx scripts/openapi.ts <output file>
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createApp } from '../app/src/app.js';
import { composeDependencies } from '../app/src/compose.js';
import { loadConfig } from '../app/src/config.js';
import { createLogger } from '../app/src/observability/logger.js';

async function writeDocument(output: string): Promise<void> {
  const config = loadConfig({
    STAGE: 'local',
    JWT_SECRET: 'unused-for-the-document-only-0123456789',
  });
  const app = createApp(composeDependencies(config, createLogger('error', { silent: true })));
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const { port } = server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/openapi.json`);
    if (!response.ok) throw new Error(`/openapi.json answered ${response.status}`);
    await mkdir(path.dirname(output), { recursive: true });
    await writeFile(output, `${JSON.stringify(await response.json(), null, 2)}\n`);
  } finally {
    server.close();
  }
}

/** Runs `redocly lint <file>` with telemetry off; resolves with its exit code. */
async function lint(file: string): Promise<number> {
  const cli = path.join(path.dirname(require.resolve('@redocly/cli/package.json')), 'bin/cli.js');
  const child = spawn(process.execPath, [cli, 'lint', file], {
    env: { ...process.env, REDOCLY_TELEMETRY: 'off' },
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  process.stderr.write(stderr.replace(/[ \t]*╔[\s\S]*?╝[^\n]*\n/g, '').replace(/^\n+/, ''));
  return code ?? 1;
}

async function main(output: string): Promise<void> {
  await writeDocument(output);
  process.exitCode = await lint(output);
}

main(process.argv[2] ?? '.openapi/openapi.json').catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
