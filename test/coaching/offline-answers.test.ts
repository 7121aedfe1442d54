// The offline answers fit their own output schemas for every input the routes accept: each
// answer function is driven with bodies the request schemas pass (multibyte text at its limit,
// maximal lists, contexts with long values), exactly as the routes hand them on.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import type { z } from 'zod';
import { offlineAlignment } from '../../app/src/analysis/offline/alignment.js';
import { offlineKpi } from '../../app/src/analysis/offline/kpi.js';
import { offlineOperations } from '../../app/src/analysis/offline/operations.js';
import { offlineStrategy } from '../../app/src/analysis/offline/strategy.js';
import {
  alignmentOutput,
  kpiOutput,
  operationsOutputs,
  strategyOutput,
} from '../../app/src/analysis/outputs.js';
import { coachAnswerSchema } from '../../app/src/coaching/coach-request.js';
import { offlineCoachAnswer } from '../../app/src/coaching/offline-coach.js';
import { coachingTopics, onboardingKinds, resultStatuses } from '../../app/src/domain/kernel.js';
import {
  alignmentBody,
  kpiBody,
  operationsBody,
  strategyBody,
} from '../../app/src/http/analysis-schemas.js';
import { messageBody } from '../../app/src/http/message-route.js';
import { onboardingSuggestionBody } from '../../app/src/http/suggestion-schemas.js';
import { fileOf } from '../../app/src/prompts/prompt-keys.js';
import { templateKeys } from '../../app/src/prompts/template.js';
import { checkTemplate } from '../../app/src/prompts/template-check.js';
import { offlineOnboardingSuggestion } from '../../app/src/suggestions/offline-suggestion.js';
import { onboardingSuggestionOutput } from '../../app/src/suggestions/onboarding-suggestion.js';
import { businessContext, textUpTo, word } from '../support/text-arbitraries.js';

const promptsDir = path.resolve(__dirname, '..', '..', 'prompts');
const coachingTemplates = coachingTopics.map((topic) => {
  const key = `coaching/${topic}` as const;
  return checkTemplate(key, readFileSync(path.join(promptsDir, fileOf(key)), 'utf8'));
});
const suggestionTemplate = checkTemplate(
  'suggestions/onboarding',
  readFileSync(path.join(promptsDir, fileOf(templateKeys.suggestion('onboarding'))), 'utf8'),
);

const RUNS = { numRuns: 150, seed: 1311 };

/** Bodies the request schema accepts, parsed as the route parses them. */
function accepted<S extends z.ZodType>(schema: S, body: fc.Arbitrary<unknown>) {
  return body
    .map((raw) => schema.safeParse(raw))
    .filter((r) => r.success)
    .map((r) => r.data as z.output<S>);
}

function expectFits(schema: z.ZodType, answer: unknown): void {
  const checked = schema.safeParse(answer);
  const problems = checked.success ? '' : JSON.stringify(checked.error.issues).slice(0, 600);
  expect(checked.success, problems).to.equal(true);
}

const kpiText = textUpTo(200, 1);

describe('offline answers fit their schemas for every accepted input', () => {
  it('when an alignment is asked of any accepted text and context, then its answer fits alignmentOutput', () => {
    const bodies = accepted(
      alignmentBody,
      fc.record({ text_to_analyze: textUpTo(10_000, 10), context: businessContext }),
    );
    fc.assert(
      fc.property(bodies, (body) => {
        expectFits(
          alignmentOutput,
          offlineAlignment({
            type: 'alignment',
            textToAnalyze: body.text_to_analyze,
            context: body.context,
          }),
        );
      }),
      RUNS,
    );
  });

  it('when a strategy is asked of any accepted text and context, then its answer fits strategyOutput', () => {
    const bodies = accepted(
      strategyBody,
      fc.record({ current_strategy: textUpTo(10_000, 10), context: businessContext }),
    );
    fc.assert(
      fc.property(bodies, (body) => {
        expectFits(
          strategyOutput,
          offlineStrategy({
            type: 'strategy',
            currentStrategy: body.current_strategy,
            context: body.context,
          }),
        );
      }),
      RUNS,
    );
  });

  it('when KPIs are any accepted list (up to 50 of up to 200 characters), then the answer fits kpiOutput', () => {
    const bodies = accepted(
      kpiBody,
      fc.record({
        current_kpis: fc.oneof(
          fc.array(kpiText, { minLength: 1, maxLength: 50 }),
          kpiText.map((k) => Array.from({ length: 50 }, (_, i) => `${k}`.slice(0, 200 - 3) + i)),
        ),
        context: businessContext,
      }),
    );
    fc.assert(
      fc.property(bodies, (body) => {
        expectFits(
          kpiOutput,
          offlineKpi({ type: 'kpi', currentKpis: body.current_kpis, context: body.context }),
        );
      }),
      RUNS,
    );
  });

  it('when an operations analysis of any type is asked of any accepted text, then the answer fits that type', () => {
    const bodies = accepted(
      operationsBody,
      fc.record({
        analysis_type: fc.constantFrom(
          'swot',
          'root_cause',
          'action_plan',
          ' SWOT ',
          'Action_Plan',
        ),
        description: textUpTo(10_000, 10),
        context: businessContext,
      }),
    );
    fc.assert(
      fc.property(bodies, (body) => {
        expectFits(
          operationsOutputs[body.analysis_type],
          offlineOperations({
            type: 'operations',
            specificType: body.analysis_type,
            description: body.description,
            context: body.context,
          }),
        );
      }),
      RUNS,
    );
  });

  it('when an onboarding suggestion is asked with any accepted draft, then the answer fits onboardingSuggestionOutput', () => {
    const bodies = accepted(
      onboardingSuggestionBody,
      fc.record({ kind: fc.constantFrom(...onboardingKinds), current: textUpTo(2000) }),
    );
    fc.assert(
      fc.property(bodies, (body) => {
        expectFits(
          onboardingSuggestionOutput,
          offlineOnboardingSuggestion({
            kind: body.kind,
            current: body.current,
            opener: suggestionTemplate.offline_openers[body.kind],
          }),
        );
      }),
      RUNS,
    );
  });

  it('when the coach answers any accepted message at any point of any topic, then its turn fits coachAnswerSchema', () => {
    const messages = accepted(
      messageBody,
      fc.record({
        user_message: fc.oneof(
          textUpTo(4000, 1),
          fc.array(word, { minLength: 1, maxLength: 600 }).map((w) => w.join(' ').slice(0, 4000)),
        ),
      }),
    );
    const turn = fc.record({
      template: fc.constantFrom(...coachingTemplates),
      message: messages,
      userTurns: fc.integer({ min: 1, max: 600 }),
      resultStatus: fc.constantFrom(...resultStatuses),
      known: fc.integer({ min: 0, max: 20 }),
    });
    fc.assert(
      fc.property(turn, (t) => {
        expectFits(
          coachAnswerSchema,
          offlineCoachAnswer({
            template: t.template,
            userMessage: t.message.user_message,
            userTurns: t.userTurns,
            identifiedValues: Object.keys(t.template.indicators).slice(0, t.known),
            resultStatus: t.resultStatus,
          }),
        );
      }),
      RUNS,
    );
  });

  it('when a message names every value the template knows, then the turn still fits (at most 10 values and insights)', () => {
    for (const t of coachingTemplates) {
      const everyStem = Object.values(t.indicators)
        .map((stems) => stems[0])
        .join(' ');
      expectFits(
        coachAnswerSchema,
        offlineCoachAnswer({
          template: t,
          userMessage: everyStem,
          userTurns: 1,
          identifiedValues: [],
          resultStatus: 'exploring',
        }),
      );
    }
  });
});
