// The admin module's part of the OpenAPI document (admin-routes.ts serves the routes), loaded
// when the document is first built. Each route says the roles it needs.
import type { z } from 'zod';
import { adminRouteTable, type AdminOperation } from './admin-routes.js';
import {
  budgetBody,
  feedbackQuery,
  feedbackResponse,
  ownUsageResponse,
  tenantBudgetResponse,
  tenantId,
  tenantUsageQuery,
  tenantUsageResponse,
} from './admin-schemas.js';
import type { ApiDocs, DocsContribution, DocumentedRoute } from './openapi.js';
import { promptAdminDocumented } from './prompt-admin-docs.js';

const TENANT = 'tenant_abc';
const spend = {
  cost_usd: 1.284_15,
  input_tokens: 41_200,
  output_tokens: 9_850,
  cache_read_tokens: 212_400,
  cache_write_tokens: 18_300,
  calls: 96,
};
const ownExample: z.infer<typeof ownUsageResponse> = {
  user_id: 'user_123',
  tenant_id: TENANT,
  day: { date: '2026-11-30', ...spend, cost_usd: 0.112_5, calls: 8 },
  month: { month: '2026-11', ...spend },
  budgets: {
    user_daily_usd: 2,
    user_remaining_usd: 1.8875,
    tenant_monthly_usd: 500,
    tenant_remaining_usd: 371.25,
  },
};
const tally = { ...spend, turns: 80, analyses: 12 };
const tenantExample: z.infer<typeof tenantUsageResponse> = {
  tenant_id: TENANT,
  month: '2026-11',
  totals: tally,
  by_user: [{ key: 'user_123', ...tally }],
  by_topic: [
    { key: 'coaching/core_values', ...tally, analyses: 0, cost_usd: 1.1, calls: 84 },
    { key: 'analysis/kpi', ...tally, turns: 0, cost_usd: 0.184_15, calls: 12 },
  ],
  by_model: [{ key: 'us.anthropic.claude-sonnet-4-6', ...tally }],
  budget: { monthly_usd: 500, remaining_usd: 498.715_85 },
};
const budgetExample: z.infer<typeof tenantBudgetResponse> = {
  tenant_id: TENANT,
  monthly_usd: 500,
  source: 'tenant',
};

const feedbackExample: z.infer<typeof feedbackResponse> = {
  items: [
    {
      conversation_id: 'conv_3f9a1c2e4b6d8f0a1c3e5b7d9f1a2c4e',
      message_id: 'msg_t1s1_2b4d6f8a0c1e3a5c7e9b1d3f5a7c9e0b',
      topic: 'core_values',
      rating: 'down',
      tags: ['too_long'],
      comment: 'I wanted one question',
      updated_at: '2026-11-30T12:00:00.000Z',
      model: 'us.anthropic.claude-sonnet-4-6',
      prompt_version: {
        key: 'coaching/core_values',
        version_id: '3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY',
      },
    },
  ],
  next_cursor: null,
};

const rolesOf = (operationId: AdminOperation) =>
  adminRouteTable.find((route) => route.operationId === operationId)?.roles ?? [];

/** Each route of the table, documented; its roles come from the table itself. */
export type AdminDocumented = Readonly<
  Record<AdminOperation, Omit<DocumentedRoute, 'method' | 'path' | 'operationId' | 'auth'>>
>;

const documented = (docs: ApiDocs): AdminDocumented => {
  const budget = docs.schema('TenantBudget', tenantBudgetResponse);
  return {
    getOwnUsage: {
      tag: 'usage',
      summary: 'The caller’s own usage and budgets',
      description:
        'What the caller’s model calls cost today and this month (UTC), at list prices, with ' +
        'what is left of the user’s daily and the tenant’s monthly budget. Read from the same ' +
        'counters the budgets are checked against.',
      responses: {
        200: {
          description: 'The caller’s day and month',
          schema: docs.schema('OwnUsage', ownUsageResponse),
          example: ownExample,
        },
      },
    },
    getTenantUsage: {
      tag: 'admin',
      summary: 'A tenant’s usage for a month, with breakdowns (tenant_admin, platform_admin)',
      description:
        'A tenant’s month (UTC): totals and breakdowns by user, by topic or analysis (the prompt ' +
        'template) and by model, each sorted by cost. A tenant admin reads its own tenant; a ' +
        'platform admin any, by `tenant_id`. The same counters the budgets are checked against.',
      query: tenantUsageQuery,
      responses: {
        200: {
          description: 'The tenant’s month',
          schema: docs.schema('TenantUsage', tenantUsageResponse),
          example: tenantExample,
        },
      },
      errors: { 403: ['permission_denied'] },
    },
    exportFeedback: {
      tag: 'admin',
      summary: 'A tenant’s feedback on the coach’s answers (tenant_admin, platform_admin)',
      description:
        'Every rated answer of the tenant’s conversations, newest feedback first, with the model ' +
        'and prompt template version that wrote it, so a prompt version can be judged by its ' +
        'ratings. Filters: when the feedback was last given (`from`, `to`), the topic, the ' +
        'rating; a page of `page_size`, then `next_cursor`. The users’ words (the answer and ' +
        'the message it answered) only with `include_text=true`. A tenant admin reads its own ' +
        'tenant; a platform admin any, by `tenant_id`. A deleted conversation’s feedback is gone.',
      query: feedbackQuery,
      responses: {
        200: {
          description: 'A page of the tenant’s feedback',
          schema: docs.schema('FeedbackExport', feedbackResponse),
          example: feedbackExample,
        },
      },
      errors: { 403: ['permission_denied'] },
    },
    getTenantBudget: {
      tag: 'admin',
      summary: 'A tenant’s monthly budget (platform_admin)',
      description:
        'The tenant’s monthly budget in US dollars and where it comes from: set for the tenant, ' +
        'the stage’s default, or none.',
      params: { tenant_id: tenantId },
      responses: {
        200: { description: 'The tenant’s budget', schema: budget, example: budgetExample },
      },
      errors: { 403: ['permission_denied'], 422: ['validation_error'] },
    },
    setTenantBudget: {
      tag: 'admin',
      summary: 'Set or clear a tenant’s monthly budget (platform_admin)',
      description:
        'A number (0 or more; 0 refuses every model call) becomes the tenant’s own monthly ' +
        'budget; null returns the tenant to the stage’s default. Every instance holds the change ' +
        'within 60 s.',
      params: { tenant_id: tenantId },
      body: { schema: budgetBody, example: { monthly_usd: 500 } },
      responses: {
        200: { description: 'The tenant’s budget now', schema: budget, example: budgetExample },
      },
      errors: { 403: ['permission_denied'] },
    },
    ...promptAdminDocumented(docs),
  };
};

export const adminDocs: DocsContribution = (docs) => {
  const routes = documented(docs);
  for (const route of adminRouteTable) {
    const roles = rolesOf(route.operationId);
    const details = routes[route.operationId];
    docs.route({
      ...details,
      method: route.method,
      path: `${docs.prefix}${route.path}`,
      operationId: route.operationId,
      auth: true,
      description:
        roles.length > 0
          ? `${details.description} Needs the ${roles.join(' or ')} role (403 permission_denied otherwise).`
          : details.description,
    });
  }
};
