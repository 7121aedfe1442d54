// `npm run load`: mixed traffic at a fixed request rate against the local server (its own
// process, dynalite on disk in a temporary folder, as `npm start` runs it), then a check that
// every acknowledged message is stored exactly once. Prints a summary table; exits 1 on any 5xx
// or missing message.
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SignJWT } from 'jose';
import { commandLine, fail } from '../scripts/cli.js';
import { startChild } from './support/children.js';

const usage = `
Usage: npm run load -- [--rate=<req/s>] [--seconds=<n>]

Mixed traffic (initiate, message, get, list, pause/resume; 16 users in 3 tenants) at a fixed
arrival rate against the local server in its own process, on loopback, with its store in a
temporary folder. Then checks that every acknowledged message is stored exactly once, in
order. Prints a summary table; exits 1 on any 5xx or missing message.

Options:
  --rate <n>     requests started per second (default 40)
  --seconds <n>  how long the traffic runs (default 60)
  -h, --help     print this help and exit
`;
const options = commandLine(usage, {
  rate: { type: 'string', default: '40' },
  seconds: { type: 'string', default: '60' },
});
const positive = (name: string, text: string) => {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) fail(`--${name} must be a positive number`);
  return value;
};
const RATE = positive('rate', options.rate);
const SECONDS = positive('seconds', options.seconds);
const SECRET = 'load-secret-of-at-least-thirty-two-bytes!';
const USERS = 16;

type Kind = 'initiate' | 'message' | 'get' | 'list' | 'pause_resume';
/** The traffic mix, as weights. */
const mix: [Kind, number][] = [
  ['initiate', 8],
  ['message', 45],
  ['get', 27],
  ['list', 15],
  ['pause_resume', 5],
];

interface User {
  readonly token: string;
  readonly conversations: string[];
}

interface Outcome {
  readonly kind: Kind;
  readonly status: number;
  readonly ms: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function request(
  base: string,
  method: string,
  route: string,
  token: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const url = new URL(`${base}${route}`);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method,
        agent,
        timeout: 15_000,
        headers: {
          Authorization: `Bearer ${token}`,
          ...(payload
            ? { 'Content-Type': 'application/json', 'Content-Length': String(payload.length) }
            : {}),
        },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => {
          const text = Buffer.concat(parts).toString('utf8');
          let parsed: Record<string, unknown> = {};
          try {
            parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
          } catch {
            parsed = { raw: text };
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error('no answer within 15 s')));
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

const percentile = (values: number[], p: number) => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
const round = (v: number, d = 1) => Math.round(v * 10 ** d) / 10 ** d;

async function main(): Promise<void> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'purposepath-load-'));
  const server = await startChild('app-server.ts', {
    STAGE: 'load',
    JWT_SECRET: SECRET,
    DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_SILENT: 'true',
    DEFAULT_LLM_PROVIDER: 'offline',
    METRICS_ENABLED: 'false',
    RATE_LIMIT_DEFAULT: '1000000/1',
    RATE_LIMIT_ANONYMOUS: '1000000/1',
    RATE_LIMIT_INITIATE: '1000000/1',
    RATE_LIMIT_ANALYSIS: '1000000/1',
    NODE_NO_WARNINGS: '1',
  });
  try {
    const users: User[] = [];
    for (let i = 0; i < USERS; i++) {
      const token = await new SignJWT({ user_id: `load-user-${i}`, tenant_id: `tenant-${i % 3}` })
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime('2h')
        .sign(new TextEncoder().encode(SECRET));
      const created = await request(server.url, 'POST', '/api/v1/conversations/initiate', token, {
        topic: 'core_values',
      });
      if (created.status !== 201) throw new Error(`seeding answered ${created.status}`);
      users.push({ token, conversations: [String(created.body.conversation_id)] });
    }
    const rssStart = await server.rss();

    const outcomes: Outcome[] = [];
    const acknowledged = new Map<string, string[]>();
    /** Conversations with a message in flight: a second one would be a legitimate 409 busy. */
    const busy = new Set<string>();
    const paused = new Set<string>();
    let sequence = 0;
    let failures = 0;
    const totalWeight = mix.reduce((s, [, w]) => s + w, 0);
    const pick = (): Kind => {
      let n = Math.random() * totalWeight;
      for (const [kind, weight] of mix) if ((n -= weight) < 0) return kind;
      return 'get';
    };

    async function one(): Promise<void> {
      const user = users[Math.floor(Math.random() * users.length)]!;
      const id = user.conversations[Math.floor(Math.random() * user.conversations.length)]!;
      let kind = pick();
      if (kind === 'message' && (busy.has(id) || paused.has(id))) kind = 'get';
      if (kind === 'pause_resume' && busy.has(id)) kind = 'list';
      const started = performance.now();
      let status = 0;
      try {
        switch (kind) {
          case 'initiate': {
            const r = await request(
              server.url,
              'POST',
              '/api/v1/conversations/initiate',
              user.token,
              {
                topic: 'purpose',
              },
            );
            status = r.status;
            if (status === 201) user.conversations.push(String(r.body.conversation_id));
            break;
          }
          case 'message': {
            const text = `load message ${++sequence}`;
            busy.add(id);
            try {
              const r = await request(
                server.url,
                'POST',
                `/api/v1/conversations/${id}/message`,
                user.token,
                {
                  user_message: text,
                },
              );
              status = r.status;
              if (status === 200) acknowledged.set(id, [...(acknowledged.get(id) ?? []), text]);
            } finally {
              busy.delete(id);
            }
            break;
          }
          case 'get':
            status = (await request(server.url, 'GET', `/api/v1/conversations/${id}`, user.token))
              .status;
            break;
          case 'list':
            status = (
              await request(server.url, 'GET', '/api/v1/conversations?page_size=20', user.token)
            ).status;
            break;
          case 'pause_resume': {
            const action = paused.has(id) ? 'resume' : 'pause';
            status = (
              await request(
                server.url,
                'POST',
                `/api/v1/conversations/${id}/${action}`,
                user.token,
                {},
              )
            ).status;
            if (status === 204) {
              if (action === 'pause') paused.add(id);
              else paused.delete(id);
            }
            break;
          }
        }
      } catch {
        failures++;
      }
      outcomes.push({ kind, status, ms: performance.now() - started });
    }

    // A fixed arrival rate: requests start on schedule whether or not earlier ones finished.
    process.stderr.write(`load: ${RATE} req/s for ${SECONDS} s against ${server.url}\n`);
    const pending: Promise<void>[] = [];
    const began = performance.now();
    const total = RATE * SECONDS;
    for (let i = 0; i < total; i++) {
      const due = began + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      pending.push(one());
      if (i % (RATE * 10) === 0 && i > 0) process.stderr.write(`  ${i / RATE} s\n`);
    }
    await Promise.all(pending);
    const elapsed = (performance.now() - began) / 1000;
    const rssEnd = await server.rss();

    // Every acknowledged message must be in its conversation, once, in order.
    let missing = 0;
    let duplicated = 0;
    let outOfOrder = 0;
    const owner = new Map<string, User>();
    for (const user of users) for (const id of user.conversations) owner.set(id, user);
    for (const [id, texts] of acknowledged) {
      const r = await request(
        server.url,
        'GET',
        `/api/v1/conversations/${id}`,
        owner.get(id)!.token,
      );
      const stored = ((r.body.messages ?? []) as { role: string; content: string }[])
        .filter((m) => m.role === 'user')
        .map((m) => m.content);
      for (const text of texts) {
        const count = stored.filter((s) => s === text).length;
        if (count === 0) missing++;
        if (count > 1) duplicated++;
      }
      const order = stored.filter((s) => texts.includes(s));
      if (JSON.stringify([...new Set(order)]) !== JSON.stringify(texts)) outOfOrder++;
    }

    const fiveXx = outcomes.filter((o) => o.status >= 500).length;
    const byKind = mix.map(([kind]) => {
      const of = outcomes.filter((o) => o.kind === kind);
      const statuses = new Map<number, number>();
      for (const o of of) statuses.set(o.status, (statuses.get(o.status) ?? 0) + 1);
      return {
        kind,
        count: of.length,
        statuses: [...statuses]
          .sort(([a], [b]) => a - b)
          .map(([s, n]) => `${s}×${n}`)
          .join(' '),
        p50: round(
          percentile(
            of.map((o) => o.ms),
            50,
          ),
        ),
        p99: round(
          percentile(
            of.map((o) => o.ms),
            99,
          ),
        ),
      };
    });
    const acknowledgedCount = [...acknowledged.values()].reduce((s, t) => s + t.length, 0);
    const all = outcomes.map((o) => o.ms);
    const growth = (rssEnd - rssStart) / rssStart;
    const lines = [
      `Load: ${outcomes.length} requests in ${round(elapsed)} s (target ${RATE} req/s, achieved ${round(outcomes.length / elapsed)} req/s)`,
      '',
      '| request | count | statuses | p50 ms | p99 ms |',
      '|---|---|---|---|---|',
      ...byKind.map((k) => `| ${k.kind} | ${k.count} | ${k.statuses} | ${k.p50} | ${k.p99} |`),
      `| all | ${outcomes.length} | 5xx: ${fiveXx}, client errors: ${failures} | ${round(percentile(all, 50))} | ${round(percentile(all, 99))} |`,
      '',
      '| check | result |',
      '|---|---|',
      `| 5xx responses | ${fiveXx} |`,
      `| acknowledged messages | ${acknowledgedCount} |`,
      `| acknowledged messages missing afterwards | ${missing} |`,
      `| acknowledged messages stored twice | ${duplicated} |`,
      `| conversations whose turns are out of order | ${outOfOrder} |`,
      `| RSS of the server, start → end (MB) | ${round(rssStart / 2 ** 20)} → ${round(rssEnd / 2 ** 20)} (${growth >= 0 ? '+' : ''}${round(growth * 100)}%) |`,
      '',
    ];
    process.stdout.write(lines.join('\n'));
    if (fiveXx > 0 || missing > 0 || duplicated > 0 || outOfOrder > 0 || failures > 0)
      process.exitCode = 1;
  } finally {
    agent.destroy();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`load failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
