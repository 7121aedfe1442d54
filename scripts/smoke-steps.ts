// The smoke check's steps: a client's first minutes with a deployment, each step a story that
// passes or says what it saw. The conversation it starts is deleted at the end, and also when a
// step before the delete fails.

export interface SmokeTarget {
  /** The API's base URL: a stage's apiEndpoint or custom-domain URL, or the local server. */
  readonly baseUrl: string;
  readonly token: string;
  /** How long a job may take to finish, in seconds. */
  readonly jobTimeoutSeconds: number;
}

export interface StepOutcome {
  readonly step: string;
  readonly ok: boolean;
  readonly detail: string;
  readonly ms: number;
}

/** The steps, in the order they run. */
export const stepNames = [
  'health',
  'initiate',
  'message',
  'streamed turn',
  'job',
  'delete',
] as const;
type StepName = (typeof stepNames)[number];

class StepFailure extends Error {}

/** A step's failure, said the way a person reads it. */
const fail = (message: string): never => {
  throw new StepFailure(message);
};

interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly body: Record<string, unknown>;
}

/** What an answer says about itself: its status, and for a failure its error code and message. */
function describe(reply: Reply): string {
  if (reply.status < 400) return String(reply.status);
  const { error, message, status } = reply.body;
  const code = typeof error === 'string' ? error : typeof status === 'string' ? status : undefined;
  const said = [code, typeof message === 'string' ? message : undefined].filter(Boolean).join(': ');
  return `${reply.status} ${said || reply.text.slice(0, 120)}`.trim();
}

/** Runs every step in order, reporting each as it ends; stops at the first that fails. */
export async function runSmoke(
  target: SmokeTarget,
  report: (outcome: StepOutcome) => void,
): Promise<{ failed?: string; cleanup?: string }> {
  const base = target.baseUrl.replace(/\/+$/, '');
  const call = async (method: string, url: string, init: RequestInit = {}): Promise<Reply> => {
    const response = await fetch(url.startsWith('http') ? url : `${base}${url}`, {
      method,
      ...init,
      headers: {
        authorization: `Bearer ${target.token}`,
        ...(init.body ? { 'content-type': 'application/json' } : {}),
        ...(init.headers as Record<string, string> | undefined),
      },
      signal: init.signal ?? AbortSignal.timeout(60_000),
    });
    const text = await response.text();
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = {};
    }
    return { status: response.status, headers: response.headers, text, body };
  };
  const expectStatus = (reply: Reply, status: number, what: string) => {
    if (reply.status !== status) fail(`${what}: expected ${status}, got ${describe(reply)}`);
  };

  let conversationId: string | undefined;
  let jobId: string | undefined;
  const answer = JSON.stringify({ user_message: 'Honesty matters most to me.' });

  const steps: Record<StepName, () => Promise<string>> = {
    health: async () => {
      const reply = await call('GET', '/api/v1/health');
      expectStatus(reply, 200, 'GET /api/v1/health');
      if (reply.body.status !== 'healthy') fail(`status is ${String(reply.body.status)}`);
      const services = reply.body.services as Record<string, string> | undefined;
      return `healthy (${Object.entries(services ?? {})
        .map(([name, state]) => `${name} ${state}`)
        .join(', ')})`;
    },
    initiate: async () => {
      const reply = await call('POST', '/api/v1/conversations/initiate', {
        body: JSON.stringify({ topic: 'core_values' }),
      });
      expectStatus(reply, 201, 'POST /api/v1/conversations/initiate');
      const id = reply.body.conversation_id;
      if (typeof id !== 'string' || !id.startsWith('conv_'))
        fail(`no conversation id in ${reply.text.slice(0, 120)}`);
      conversationId = id as string;
      return conversationId;
    },
    message: async () => {
      const reply = await call('POST', `/api/v1/conversations/${conversationId}/message`, {
        body: answer,
      });
      expectStatus(reply, 200, 'POST …/message');
      const said = reply.body.ai_response;
      if (typeof said !== 'string' || said.trim() === '') fail('the answer has no ai_response');
      return `answered in ${(said as string).length} characters`;
    },
    'streamed turn': async () => {
      const root = await call('GET', '/');
      expectStatus(root, 200, 'GET /');
      const streamingUrl = root.body.streaming_url;
      if (typeof streamingUrl !== 'string' || streamingUrl === '')
        fail('GET / names no streaming_url');
      const url = new URL(streamingUrl as string, `${base}/`).toString().replace(/\/+$/, '');
      return streamedTurn(url, target.token, conversationId ?? '');
    },
    job: async () => {
      const accepted = await call('POST', `/api/v1/conversations/${conversationId}/message`, {
        body: answer,
        headers: { prefer: 'respond-async' },
      });
      expectStatus(accepted, 202, 'POST …/message with Prefer: respond-async');
      jobId = String(accepted.body.job_id);
      const deadline = Date.now() + target.jobTimeoutSeconds * 1000;
      for (;;) {
        const polled = await call('GET', `/api/v1/jobs/${jobId}`);
        expectStatus(polled, 200, `GET /api/v1/jobs/${jobId}`);
        const status = polled.body.status;
        if (status === 'succeeded') return `${jobId} succeeded`;
        if (status === 'failed') {
          const error = polled.body.error as Record<string, unknown> | null;
          fail(
            `${jobId} failed: ${String(error?.status)} ${String(error?.error)}: ${String(error?.message)}`,
          );
        }
        if (Date.now() > deadline)
          fail(`${jobId} still ${String(status)} after ${target.jobTimeoutSeconds} s`);
        const wait = Number(polled.headers.get('retry-after') ?? 1);
        await new Promise((done) => setTimeout(done, Math.min(Math.max(wait, 0.2), 2) * 1000));
      }
    },
    delete: async () => {
      const id = conversationId;
      conversationId = undefined;
      const erased = await call('DELETE', `/api/v1/conversations/${id}`);
      expectStatus(erased, 204, `DELETE /api/v1/conversations/${id}`);
      const after = await call('GET', `/api/v1/conversations/${id}`);
      if (after.status !== 404) fail(`${id} still answers ${describe(after)} after its DELETE`);
      const job = await call('GET', `/api/v1/jobs/${jobId}`);
      if (job.status !== 404) fail(`${jobId} still answers ${describe(job)} after the DELETE`);
      return `${id} and its job are gone`;
    },
  };

  for (const step of stepNames) {
    const started = Date.now();
    try {
      const detail = await steps[step]();
      report({ step, ok: true, detail, ms: Date.now() - started });
    } catch (error) {
      const detail = error instanceof StepFailure ? error.message : reason(error);
      report({ step, ok: false, detail, ms: Date.now() - started });
      return { failed: step, cleanup: await cleanUp(conversationId, call) };
    }
  }
  return {};
}

/** What fetch threw, down to the network's own reason (ECONNREFUSED, a timeout). */
function reason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const message = error instanceof Error ? error.message : String(error);
  return cause ? `${message} (${cause.code ?? cause.message ?? 'no reason given'})` : message;
}

/** Deletes the conversation a failed run left, so a smoke check leaves no data behind. */
async function cleanUp(
  conversationId: string | undefined,
  call: (method: string, url: string) => Promise<Reply>,
): Promise<string | undefined> {
  if (!conversationId) return undefined;
  try {
    const reply = await call('DELETE', `/api/v1/conversations/${conversationId}`);
    return reply.status === 204
      ? `deleted ${conversationId}`
      : `could not delete ${conversationId}: ${describe(reply)}`;
  } catch (error) {
    return `could not delete ${conversationId}: ${reason(error)}`;
  }
}

/**
 * A streamed turn at the streaming endpoint: server-sent events, `delta`s that add up to the
 * answer, then `turn` with the whole answer, and no `error`.
 */
async function streamedTurn(streamingUrl: string, token: string, conversationId: string) {
  const started = Date.now();
  const response = await fetch(`${streamingUrl}/api/v1/conversations/${conversationId}/message`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'text/event-stream',
    },
    body: JSON.stringify({ user_message: 'Family comes first, then the team.' }),
    signal: AbortSignal.timeout(180_000),
  });
  const type = response.headers.get('content-type') ?? '';
  if (response.status !== 200 || !type.startsWith('text/event-stream')) {
    const text = await response.text();
    fail(
      `${streamingUrl}: expected 200 text/event-stream, got ${response.status} ${type || 'no content type'} ${text.slice(0, 120)}`,
    );
  }
  let text = '';
  let firstDeltaMs: number | undefined;
  const decoder = new TextDecoder();
  for await (const chunk of response.body ?? []) {
    text += decoder.decode(chunk as Uint8Array, { stream: true });
    firstDeltaMs ??= text.includes('event: delta') ? Date.now() - started : undefined;
  }
  const events = serverEvents(text);
  const error = events.find((e) => e.event === 'error');
  if (error)
    fail(`the stream ended with an error event: ${JSON.stringify(error.data).slice(0, 160)}`);
  const last = events.at(-1);
  if (last?.event !== 'turn')
    fail(`the stream ended without a turn event (${events.length} events)`);
  const afterReset = events.slice(events.map((e) => e.event).lastIndexOf('reset') + 1);
  const deltas = afterReset.filter((e) => e.event === 'delta');
  if (deltas.length === 0) fail('the stream sent no delta before its turn');
  const joined = deltas.map((e) => String((e.data as { text?: unknown }).text ?? '')).join('');
  const answer = (last?.data as { ai_response?: unknown }).ai_response;
  if (joined !== answer) fail('the deltas do not add up to the turn’s ai_response');
  return `${deltas.length} deltas, the first after ${firstDeltaMs ?? '?'} ms, the turn after ${Date.now() - started} ms`;
}

/** `event:` and `data:` of each block; comments (`: keep-alive`) are not events. */
function serverEvents(text: string): { event: string; data: unknown }[] {
  return text
    .split(/\r?\n\r?\n/)
    .map((block) => {
      const lines = block.split(/\r?\n/);
      const event = lines
        .find((l) => l.startsWith('event:'))
        ?.slice(6)
        .trim();
      const data = lines
        .find((l) => l.startsWith('data:'))
        ?.slice(5)
        .trim();
      return { event, data };
    })
    .filter(
      (e): e is { event: string; data: string } => e.event !== undefined && e.data !== undefined,
    )
    .map(({ event, data }) => {
      try {
        return { event, data: JSON.parse(data) as unknown };
      } catch {
        return fail(`event ${event} carries data that is not JSON: ${data.slice(0, 80)}`);
      }
    });
}
