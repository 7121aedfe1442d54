// Writes the OpenAPI document exactly as the app serves it, for `npm run lint:openapi`.
// Usage: tsx scripts/openapi.ts <output file>
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createApp } from '../app/src/app.js';
import { composeDependencies } from '../app/src/compose.js';
import { loadConfig } from '../app/src/config.js';
import { createLogger } from '../app/src/observability/logger.js';

async function main(output: string): Promise<void> {
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

main(process.argv[2] ?? '.openapi/openapi.json').catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
