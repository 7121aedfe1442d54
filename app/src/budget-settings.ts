// The environment's part about spend: the two default budgets and prompt caching. config.ts
// reads it with the rest of the environment (it stays the only reader of process.env); the
// variables live here so config.ts stays one screen of everything else.
import { z } from 'zod';
import { budgetFromText, isBudget, MAX_BUDGET_USD } from './domain/kernel.js';

/** Unset or empty: no budget. Otherwise dollars, 0 or more (0 refuses every model call). */
const budgetUsd = z
  .string()
  .transform(budgetFromText)
  .refine((v) => v === undefined || !Number.isNaN(v), {
    message: 'expected an amount in US dollars, 0 or more, such as 250 or 12.50',
  })
  .refine((v) => v === undefined || isBudget(v), {
    message: `expected at most ${MAX_BUDGET_USD} US dollars`,
  })
  .optional();

export const budgetEnv = {
  TENANT_MONTHLY_BUDGET_USD: budgetUsd,
  USER_DAILY_BUDGET_USD: budgetUsd,
  LLM_PROMPT_CACHE: z.enum(['on', 'off'], { message: 'expected on or off' }).default('on'),
};

type BudgetEnv = z.infer<z.ZodObject<typeof budgetEnv>>;

export interface BudgetConfig {
  readonly budgets: {
    /** Every tenant's monthly budget unless a platform admin set its own; unset: none. */
    readonly tenantMonthlyUsd?: number;
    /** Every user's daily budget; unset: none. */
    readonly userDailyUsd?: number;
  };
  /** Bedrock requests carry prompt-cache points (LLM_PROMPT_CACHE=on, the default). */
  readonly promptCache: boolean;
}

export function budgetSettings(e: BudgetEnv): BudgetConfig {
  return {
    budgets: {
      tenantMonthlyUsd: e.TENANT_MONTHLY_BUDGET_USD,
      userDailyUsd: e.USER_DAILY_BUDGET_USD,
    },
    promptCache: e.LLM_PROMPT_CACHE === 'on',
  };
}
