// A preview's body read as the input its template's feature takes: a coaching template the
// conversation's context and the user's first answer (as initiate and a message take them), an
// analysis the text its route takes (checked by that route's own body schema), the onboarding
// suggestion the current draft. A refusal names the preview's own field, `user_message`.
import type { z } from 'zod';
import type { AnalysisInput } from '../analysis/analysis-input.js';
import { PromptNotFoundError, ValidationError } from '../errors.js';
import type { PreviewInput, PreviewRequest } from '../previews/preview-template.js';
import { isPromptKey, kindOf } from '../prompts/prompt-keys.js';
import { analysisBodies } from './analysis-schemas.js';
import { messageBody } from './message-route.js';
import type { previewBody } from './prompt-admin-schemas.js';
import { onboardingSuggestionBody } from './suggestion-schemas.js';
import { validate } from './routing.js';

type PreviewBody = z.output<typeof previewBody>;

/** Validates `body` as the feature's own schema would, naming `user_message` where it says `field`. */
function asFeature<S extends z.ZodType>(schema: S, body: unknown, field: string): z.output<S> {
  try {
    return validate('body', schema, body);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new ValidationError(
      error.issues.map((issue) => ({
        ...issue,
        loc: issue.loc.map((part, i) => (i === 1 && part === field ? 'user_message' : part)),
      })),
    );
  }
}

/** An analysis's input, read by its route's own schema from what the preview sent. */
function asAnalysis<S extends z.ZodType>(
  route: { readonly schema: S; readonly read: (body: z.output<S>) => AnalysisInput },
  body: unknown,
  field: string,
): PreviewInput {
  return { kind: 'analysis', input: route.read(asFeature(route.schema, body, field)) };
}

function analysisInput(name: string, body: PreviewBody): PreviewInput {
  const { context, user_message: text } = body;
  switch (name) {
    case 'alignment':
      return asAnalysis(
        analysisBodies.alignment,
        { text_to_analyze: text, context },
        'text_to_analyze',
      );
    case 'strategy':
      return asAnalysis(
        analysisBodies.strategy,
        { current_strategy: text, context },
        'current_strategy',
      );
    case 'kpi': {
      const kpis = text?.split('\n').filter((line) => line.trim() !== '');
      return asAnalysis(analysisBodies.kpi, { current_kpis: kpis, context }, 'current_kpis');
    }
    default:
      return asAnalysis(
        analysisBodies.operations,
        { analysis_type: body.analysis_type ?? 'swot', description: text, context },
        'description',
      );
  }
}

/** The preview asked for: which template, and the input its feature takes. */
export function previewRequest(key: string, body: PreviewBody): PreviewRequest {
  if (!isPromptKey(key)) throw new PromptNotFoundError(key);
  if (body.content !== undefined && body.version_id !== undefined) {
    throw new ValidationError([
      {
        loc: ['body', 'version_id'],
        msg: 'give content or version_id, not both',
        type: 'value_error',
      },
    ]);
  }
  const from = { content: body.content, versionId: body.version_id };
  switch (kindOf(key)) {
    case 'coaching': {
      const message =
        body.user_message === undefined
          ? undefined
          : asFeature(messageBody, { user_message: body.user_message }, 'user_message')
              .user_message;
      return {
        key,
        from,
        input: {
          kind: 'coaching',
          context: body.context,
          language: body.language || 'en',
          userMessage: message,
        },
      };
    }
    case 'analysis':
      return { key, from, input: analysisInput(key.slice('analysis/'.length), body) };
    case 'suggestion': {
      const { kind, current } = asFeature(
        onboardingSuggestionBody,
        { kind: body.kind ?? 'niche', current: body.user_message },
        'current',
      );
      return { key, from, input: { kind: 'suggestion', input: { kind, current } } };
    }
  }
}
