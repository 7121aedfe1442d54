// The legacy onboarding-suggestion route, kept for older clients with its own envelope
// ({success, data, message, error, request_id}); errors get the same envelope in middleware.ts.
import Router from '@koa/router';
import type { z } from 'zod';
import type { Suggestions } from '../suggestions/onboarding.js';
import { onboardingSuggestionBody, type onboardingSuggestionResponse } from './analysis-schemas.js';
import { jsonBody, principalOf, type AppMiddleware, type AppState } from './middleware.js';
import { validate } from './validate.js';

export interface SuggestionRoutesOptions {
  readonly suggestions: Suggestions;
  readonly prefix: string;
  readonly maxBodyBytes: number;
  /** Authentication and the per-user limit, run before the body is read. */
  readonly guard: (routeClass: 'analysis') => AppMiddleware[];
}

export function suggestionRoutes(options: SuggestionRoutesOptions): Router<AppState> {
  const router = new Router<AppState>({ prefix: `${options.prefix}/suggestions` });

  router.post(
    '/onboarding',
    ...options.guard('analysis'),
    jsonBody(options.maxBodyBytes),
    async (ctx) => {
      const input = validate('body', onboardingSuggestionBody, ctx.request.body);
      const data = await options.suggestions.onboarding(principalOf(ctx), input);
      const response: z.infer<typeof onboardingSuggestionResponse> = {
        success: true,
        data,
        message: null,
        error: null,
        request_id: ctx.state.requestId,
      };
      ctx.body = response;
    },
  );

  return router;
}
