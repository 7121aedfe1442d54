// The legacy onboarding-suggestion route, kept for older clients with its own envelope
// ({success, data, message, error, request_id}); errors get the same envelope in middleware.ts.
import Router from '@koa/router';
import type { z } from 'zod';
import type { Suggestions } from '../suggestions/suggest-onboarding.js';
import { legacyErrorBody } from './error-schemas.js';
import { onboardingSuggestionBody, onboardingSuggestionResponse } from './suggestion-schemas.js';
import { jsonBody, principalOf, type AppMiddleware, type AppState } from './middleware.js';
import { describeRoutes, mount, route } from './routing.js';

const suggestRoute = route({
  method: 'post',
  path: '/suggestions/onboarding',
  body: onboardingSuggestionBody,
  describe: (docs, body) => ({
    operationId: 'suggestOnboardingText',
    tag: 'suggestions',
    summary: 'Suggest a niche, ideal client or value proposition (legacy)',
    description:
      'Kept for older onboarding clients. Every answer, errors included, uses this route’s own ' +
      'envelope and carries `Deprecation: true`; a 401 says `error: "Unauthorized"`.',
    auth: true,
    deprecated: true,
    body: body(
      { kind: 'niche', current: 'We bake sourdough for cafes.' },
      { name: 'OnboardingSuggestionRequest' },
    ),
    responses: {
      200: {
        description: 'The suggestion, in the legacy envelope',
        schema: docs.schema('OnboardingSuggestionResponse', onboardingSuggestionResponse),
        example: {
          success: true,
          data: {
            suggestion:
              'I bake naturally leavened bread for independent cafes that want a local, daily loaf.',
          },
          message: null,
          error: null,
          request_id: '0f6c2a4e-8d1b-4f7a-9c3e-2b5d7e9f1a3c',
        },
      },
    },
    alwaysHeaders: { Deprecation: 'Always `true`: this route is kept for older clients' },
    errors: { 429: ['quota_exceeded'], 502: ['llm_bad_response'] },
    errorSchema: docs.schema('LegacyErrorBody', legacyErrorBody),
  }),
});

export const suggestionDocs = describeRoutes([suggestRoute]);

export interface SuggestionRoutesOptions {
  readonly suggestions: Suggestions;
  readonly prefix: string;
  readonly maxBodyBytes: number;
  /** Authentication and the per-user limit, run before the body is read. */
  readonly guard: (routeClass: 'analysis') => AppMiddleware[];
}

export function suggestionRoutes(options: SuggestionRoutesOptions): Router<AppState> {
  const router = new Router<AppState>();
  const on = { router, prefix: options.prefix, readBody: jsonBody(options.maxBodyBytes) };
  mount(on, suggestRoute, options.guard('analysis'), async (ctx, input) => {
    const data = await options.suggestions.onboarding(principalOf(ctx), input);
    const response: z.infer<typeof onboardingSuggestionResponse> = {
      success: true,
      data,
      message: null,
      error: null,
      request_id: ctx.state.requestId,
    };
    ctx.body = response;
  });
  return router;
}
