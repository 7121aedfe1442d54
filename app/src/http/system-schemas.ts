// Response schemas of the routes that need no token: the front door, health and liveness.
import { z } from 'zod';

const timestamp = z.string().describe('ISO-8601 UTC timestamp');

export const rootResponse = z.object({
  name: z.string(),
  version: z.string(),
  stage: z.string(),
  docs: z.string(),
  redoc: z.string(),
  health: z.string(),
  streaming_url: z
    .string()
    .describe(
      'The base URL to send streamed turns to (`Accept: text/event-stream` on the message ' +
        'route): the stage’s streaming endpoint in AWS, where the HTTP API buffers responses; ' +
        'this service’s own base URL where it streams itself',
    ),
});

const serviceState = z.string().describe('"healthy", "skipped" or "unhealthy: <reason>"');

export const healthResponse = z.object({
  status: z.enum(['healthy', 'degraded']),
  timestamp,
  version: z.string(),
  stage: z.string(),
  services: z.object({ database: serviceState, llm: serviceState, storage: serviceState }),
  warnings: z
    .array(z.string())
    .optional()
    .describe(
      'Present when something works, but not as it should: a prompt template whose current ' +
        'version cannot be used, with the earlier version served in its place',
    ),
});

export const liveResponse = z.object({ status: z.literal('ok') });
