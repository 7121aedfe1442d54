// DynamoDB calls per route, counted by SDK middleware on the app's own client: one count per
// command the app sends (retries are not counted, so the figure is deterministic).
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { apiCall } from './api-call.js';
import { createApp } from '../../app/src/app.js';
import { fixedSecret } from '../../app/src/auth/secret-sources.js';
import { composeDependencies } from '../../app/src/compose.js';
import { loadConfig } from '../../app/src/config.js';
import { createLogger } from '../../app/src/observability/logger.js';
import { createDynamo } from '../../app/src/storage/dynamo.js';
import { signedToken } from '../../test/support/tokens.js';

const analyses: Record<string, unknown> = {
  alignment: {
    text_to_analyze: 'We grow a small design studio by taking every project that pays well.',
    context: { purpose: 'Help small makers be seen', core_values: ['craft', 'honesty'] },
  },
  strategy: { current_strategy: 'Cold outreach to fifty prospects a week, discounts to close.' },
  kpi: { current_kpis: ['Monthly recurring revenue', 'Churn rate', 'Net promoter score'] },
  operations: {
    analysis_type: 'swot',
    description: 'A two-person studio that misses deadlines when three projects overlap.',
  },
};

/** The app on its own counted client: a token, and a way to count one request's calls. */
async function countedApp(env: NodeJS.ProcessEnv, secret: string) {
  const config = loadConfig(env);
  const dynamo = createDynamo({
    region: config.region,
    endpoint: config.dynamodbEndpoint,
    localCredentials: true,
  });
  let calls = 0;
  dynamo.client.middlewareStack.add(
    (next) => (args) => {
      calls++;
      return next(args);
    },
    { step: 'initialize', name: 'benchDynamoCallCounter' },
  );
  // Jobs are run when the count says so, so each side of a job is counted on its own.
  let worker: (jobId: string) => Promise<unknown> = () => Promise.resolve();
  const app = createApp(
    composeDependencies(config, createLogger('error', { silent: true }), {
      dynamo,
      secretSource: fixedSecret(secret),
      jobDispatcher: (run) => {
        worker = run;
        return { dispatch: () => Promise.resolve() };
      },
    }),
  );
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // A tenant admin, so the tenant's usage report is counted too (no other route reads roles).
  const bearer = await signedToken(secret, {
    user_id: 'calls-user',
    tenant_id: 'calls-tenant',
    roles: ['tenant_admin'],
  });
  return {
    url,
    bearer,
    /** Sends one request; `counted` gets the DynamoDB calls it made. */
    async send(
      method: string,
      path: string,
      body?: unknown,
      headers?: Record<string, string>,
    ): Promise<{ answer: Record<string, unknown>; counted: number }> {
      calls = 0;
      const answer = await apiCall(url, method, path, bearer, body, headers);
      return { answer, counted: calls };
    },
    async runWorker(jobId: string): Promise<number> {
      calls = 0;
      await worker(jobId);
      return calls;
    },
    close() {
      server.closeAllConnections();
      server.close();
      dynamo.client.destroy();
    },
  };
}

type CountedApp = Awaited<ReturnType<typeof countedApp>>;

/** Counting on one app into `counts`: one request, or a job end to end. */
function meter(app: CountedApp, counts: Record<string, number>) {
  async function measure(
    name: string,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ) {
    const { answer, counted } = await app.send(method, path, body, headers);
    counts[name] = counted;
    return answer;
  }
  /** A job end to end: the 202, the worker's run, and one poll that reads the result. */
  async function measureJob(name: string, path: string, body: unknown) {
    const accepted = await measure(`${name}_accept`, 'POST', path, body, {
      Prefer: 'respond-async',
    });
    const jobId = String(accepted.job_id);
    counts[`${name}_worker`] = await app.runWorker(jobId);
    const job = await measure(`${name}_poll`, 'GET', `/api/v1/jobs/${jobId}`);
    if (job.status !== 'succeeded') throw new Error(`${name} job ended ${String(job.status)}`);
    counts[`${name}_total`] =
      (counts[`${name}_accept`] ?? 0) +
      (counts[`${name}_worker`] ?? 0) +
      (counts[`${name}_poll`] ?? 0);
  }
  return { measure, measureJob };
}

export async function countDynamoCalls(
  env: NodeJS.ProcessEnv,
  secret: string,
): Promise<Record<string, number>> {
  const app = await countedApp(env, secret);
  const counts: Record<string, number> = {};
  const { measure, measureJob } = meter(app, counts);

  try {
    const created = await measure('initiate', 'POST', '/api/v1/conversations/initiate', {
      topic: 'core_values',
    });
    const id = String(created.conversation_id);
    const conversation = `/api/v1/conversations/${id}`;
    // A few turns first, so the message figure is a turn's in a conversation under way.
    for (let i = 0; i < 3; i++) {
      await measure('message', 'POST', `${conversation}/message`, {
        user_message: `Honesty and craft matter to me (${i}).`,
      });
    }
    await measure('get', 'GET', conversation);
    // Past the item's 12-message recent window, the turn items are read too.
    for (let i = 3; i < 7; i++) {
      await measure('message', 'POST', `${conversation}/message`, {
        user_message: `Generosity and courage matter to me (${i}).`,
      });
    }
    await measure('get_long', 'GET', conversation);
    // Feedback on the last answer: the conversation's read, then one conditional write.
    const read = await app.send('GET', conversation);
    const messages = read.answer.messages as { message_id: string }[];
    const feedback = `${conversation}/messages/${messages.at(-1)?.message_id ?? ''}/feedback`;
    await measure('feedback_put', 'PUT', feedback, { rating: 'down', tags: ['too_long'] });
    await measure('feedback_delete', 'DELETE', feedback);
    await measure('feedback_put', 'PUT', feedback, { rating: 'up' });
    await measure('admin_feedback', 'GET', '/api/v1/admin/feedback?include_text=true');
    // A new last answer: a message's calls, plus the read of the turn it replaces.
    await measure('regenerate', 'POST', `${conversation}/regenerate`);
    await measureJob('job_message', `${conversation}/message`, {
      user_message: 'Patience matters to me too.',
    });
    await measure('list', 'GET', '/api/v1/conversations');
    await measure('pause', 'POST', `${conversation}/pause`, {});
    await measure('resume', 'POST', `${conversation}/resume`);
    await measure('complete', 'POST', `${conversation}/complete`, { rating: 5 });
    let analysisId = '';
    for (const [type, body] of Object.entries(analyses)) {
      const result = await measure(`analysis_${type}`, 'POST', `/api/v1/analysis/${type}`, body);
      analysisId = String(result.analysis_id);
    }
    await measure('analysis_get', 'GET', `/api/v1/analysis/${analysisId}`);
    await measureJob('job_analysis', '/api/v1/analysis/kpi', analyses.kpi);
    await measure('delete', 'DELETE', conversation);
    await measure('usage', 'GET', '/api/v1/usage');
    await measure('admin_usage', 'GET', '/api/v1/admin/usage');
  } finally {
    app.close();
  }
  // The same turns and jobs with both budgets set (each checks them before the model: the
  // counters read once; a job at its accept and again when its worker starts).
  const budgeted = await countedApp(
    { ...env, TENANT_MONTHLY_BUDGET_USD: '1000', USER_DAILY_BUDGET_USD: '100' },
    secret,
  );
  try {
    const withBudgets = meter(budgeted, counts);
    const created = await budgeted.send('POST', '/api/v1/conversations/initiate', {
      topic: 'purpose',
    });
    const path = `/api/v1/conversations/${String(created.answer.conversation_id)}/message`;
    for (let i = 0; i < 3; i++) {
      await withBudgets.measure('message_with_budgets', 'POST', path, {
        user_message: `Making things people keep matters to me (${i}).`,
      });
    }
    await withBudgets.measureJob('job_message_with_budgets', path, {
      user_message: 'Patience matters to me too.',
    });
    await withBudgets.measure(
      'analysis_kpi_with_budgets',
      'POST',
      '/api/v1/analysis/kpi',
      analyses.kpi,
    );
    await withBudgets.measureJob('job_analysis_with_budgets', '/api/v1/analysis/kpi', analyses.kpi);
  } finally {
    budgeted.close();
  }
  return counts;
}
