// The admin module's handlers (admin-routes.ts names the routes and roles), loaded with the
// first request that runs one: the caller's own usage, a tenant's usage, a tenant's budget,
// the prompt templates' (prompt-admin-handlers.ts), a tenant's feedback on the coach's answers.
import type { z } from 'zod';
import { hasAnyRole } from '../auth/roles.js';
import type { TenantBudget } from '../budgets/budgets.js';
import type { SpendView } from '../budgets/usage-reports.js';
import type { ExportedFeedback } from '../coaching/feedback-records.js';
import type { Principal } from '../domain/kernel.js';
import { MissingRoleError, ValidationError } from '../errors.js';
import {
  budgetBody,
  feedbackQuery,
  type feedbackResponse,
  tenantId,
  tenantUsageQuery,
  type ownUsageResponse,
  type tenantBudgetResponse,
  type tenantUsageResponse,
} from './admin-schemas.js';
import type { AdminHandler, AdminOperation } from './admin-routes.js';
import { principalOf, type AppContext } from './middleware.js';
import { promptAdminHandlers } from './prompt-admin-handlers.js';
import { validate } from './routing.js';

const spendBody = ({ costUsd, ...tokens }: SpendView) => ({
  cost_usd: costUsd,
  input_tokens: tokens.inputTokens,
  output_tokens: tokens.outputTokens,
  cache_read_tokens: tokens.cacheReadTokens,
  cache_write_tokens: tokens.cacheWriteTokens,
  calls: tokens.calls,
});

const tallyBody = (view: SpendView) => ({
  ...spendBody(view),
  turns: view.turns,
  analyses: view.analyses,
});

const budgetView = (budget: TenantBudget): z.infer<typeof tenantBudgetResponse> => ({
  tenant_id: budget.tenantId,
  monthly_usd: budget.monthlyUsd,
  source: budget.source,
});

/** The tenant a report is for: a tenant admin reads its own; any other is for a platform admin. */
function reportedTenant(principal: Principal, asked: string | undefined): string {
  const tenant = asked ?? principal.tenantId;
  if (tenant !== principal.tenantId && !hasAnyRole(principal, ['platform_admin'])) {
    throw new MissingRoleError(['platform_admin']);
  }
  return tenant;
}

const exportedView = (
  item: ExportedFeedback,
  includeText: boolean,
): z.infer<typeof feedbackResponse>['items'][number] => ({
  conversation_id: item.conversationId,
  message_id: item.messageId,
  topic: item.topic,
  rating: item.feedback.rating,
  tags: [...item.feedback.tags],
  comment: item.feedback.comment,
  updated_at: item.feedback.updatedAt,
  model: item.model,
  prompt_version: item.promptVersion && {
    key: item.promptVersion.key,
    version_id: item.promptVersion.versionId,
  },
  ...(includeText ? { ai_response: item.aiResponse, user_message: item.userMessage } : {}),
});

const pathTenant = (ctx: AppContext) =>
  validate('path', tenantId, ctx.params.tenant_id ?? '', 'tenant_id');

export const adminHandlers: Readonly<Record<AdminOperation, AdminHandler>> = {
  async getOwnUsage(ctx, { budgets }) {
    const usage = await budgets.usageOf(principalOf(ctx));
    const body: z.infer<typeof ownUsageResponse> = {
      user_id: usage.userId,
      tenant_id: usage.tenantId,
      day: { date: usage.day.date, ...spendBody(usage.day.spend) },
      month: { month: usage.month.month, ...spendBody(usage.month.spend) },
      budgets: {
        user_daily_usd: usage.budgets.userDailyUsd,
        user_remaining_usd: usage.budgets.userRemainingUsd,
        tenant_monthly_usd: usage.budgets.tenantMonthlyUsd,
        tenant_remaining_usd: usage.budgets.tenantRemainingUsd,
      },
    };
    ctx.body = body;
  },

  async getTenantUsage(ctx, { budgets }, target) {
    const principal = principalOf(ctx);
    const query = validate('query', tenantUsageQuery, ctx.query);
    target({
      tenant_id: query.tenant_id ?? principal.tenantId,
      ...(query.month ? { month: query.month } : {}),
    });
    const tenant = reportedTenant(principal, query.tenant_id);
    const usage = await budgets.tenantUsage(tenant, query.month);
    const body: z.infer<typeof tenantUsageResponse> = {
      tenant_id: usage.tenantId,
      month: usage.month,
      totals: tallyBody(usage.totals),
      by_user: usage.byUser.map((r) => ({ key: r.key, ...tallyBody(r) })),
      by_topic: usage.byTopic.map((r) => ({ key: r.key, ...tallyBody(r) })),
      by_model: usage.byModel.map((r) => ({ key: r.key, ...tallyBody(r) })),
      budget: { monthly_usd: usage.budget.monthlyUsd, remaining_usd: usage.budget.remainingUsd },
    };
    ctx.body = body;
  },

  async exportFeedback(ctx, { coaching }, target) {
    const principal = principalOf(ctx);
    const query = validate('query', feedbackQuery, ctx.query);
    target({ tenant_id: query.tenant_id ?? principal.tenantId });
    const tenantId = reportedTenant(principal, query.tenant_id);
    if (query.from !== undefined && query.to !== undefined && query.from > query.to) {
      throw new ValidationError([
        { loc: ['query', 'to'], msg: 'must not be before from', type: 'value_error' },
      ]);
    }
    const page = await coaching.exportFeedback({
      tenantId,
      from: query.from,
      to: query.to,
      topic: query.topic,
      rating: query.rating,
      pageSize: query.page_size,
      cursor: query.cursor,
    });
    const body: z.infer<typeof feedbackResponse> = {
      items: page.items.map((item) => exportedView(item, query.include_text)),
      next_cursor: page.nextCursor,
    };
    ctx.body = body;
  },

  async getTenantBudget(ctx, { budgets }, target) {
    const tenant = pathTenant(ctx);
    target({ tenant_id: tenant });
    ctx.body = budgetView(await budgets.tenantBudget(tenant));
  },

  async setTenantBudget(ctx, { budgets }, target) {
    const tenant = pathTenant(ctx);
    target({ tenant_id: tenant });
    const { monthly_usd } = validate('body', budgetBody, ctx.request.body);
    ctx.body = budgetView(await budgets.setTenantBudget(principalOf(ctx), tenant, monthly_usd));
  },

  ...promptAdminHandlers,
};
