// The prompt templates under prompts/: every file on disk must pass its schema, carry what the
// coach, the analyses and the onboarding suggestions rely on, and a broken one must be refused.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import {
  analysisTypes,
  coachingTopics,
  onboardingKinds,
  phases,
  type AnalysisType,
} from '../../app/src/domain/kernel';
import { fileOf, keyOfFile, promptKeys, type PromptKey } from '../../app/src/prompts/prompt-keys';
import {
  fillPlaceholders,
  templateKeys,
  type AnalysisTemplate,
  type CoachingTemplate,
  type SuggestionTemplate,
} from '../../app/src/prompts/template';
import { checkTemplate } from '../../app/src/prompts/template-check';

const promptsDir = path.resolve(__dirname, '..', '..', 'prompts');

/** Placeholders each analysis's instructions must contain (filled from the request). */
const requiredPlaceholders: Record<AnalysisType, string[]> = {
  alignment: ['text_to_analyze', 'context'],
  strategy: ['current_strategy', 'context'],
  kpi: ['current_kpis', 'context'],
  operations: ['specific_analysis_type', 'description', 'context'],
};

/** Every YAML file under prompts/, as keys relative to it ("coaching/goals.yaml"). */
function listTemplateKeys(): string[] {
  return readdirSync(promptsDir, { recursive: true, encoding: 'utf8' })
    .filter((entry) => /\.ya?ml$/.test(entry))
    .map((entry) => entry.split(path.sep).join('/'))
    .sort();
}

function readTemplate(key: PromptKey): string {
  return readFileSync(path.join(promptsDir, fileOf(key)), 'utf8');
}

function placeholdersIn(text: string): string[] {
  return [...text.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((match) => match[1]!);
}

describe('prompt templates', () => {
  const expectedKeys = [
    ...coachingTopics.map((topic) => templateKeys.coaching(topic)),
    ...analysisTypes.map((type) => templateKeys.analysis(type)),
    templateKeys.suggestion('onboarding'),
  ].sort();

  it('when the prompts folder is listed, then it holds exactly the 4 coaching, 4 analysis and 1 suggestion templates, the nine keys', () => {
    expect(expectedKeys).to.have.lengthOf(9);
    expect([...promptKeys].sort()).to.deep.equal(expectedKeys);
    expect(listTemplateKeys()).to.deep.equal(expectedKeys.map(fileOf));
  });

  it('when every YAML file under prompts/ is checked as the service reads it, then each one passes', () => {
    const files = listTemplateKeys();
    expect(files).to.have.length.above(0);
    for (const file of files) {
      const key = keyOfFile(file);
      expect(key, file).to.be.a('string');
      expect(() => checkTemplate(key!, readTemplate(key!)), file).to.not.throw();
    }
  });

  describe('coaching templates', () => {
    for (const topic of coachingTopics) {
      const key = templateKeys.coaching(topic);

      describe(key, () => {
        let template: CoachingTemplate;
        before(() => {
          template = checkTemplate(key, readTemplate(key));
        });

        it('when parsed, then its topic matches its file and it uses the deployment default model', () => {
          expect(template.kind).to.equal('coaching');
          expect(template.topic).to.equal(topic);
          expect(template.version).to.equal('1.0.0');
          expect(template.model.model_id).to.equal(undefined);
          expect(template.model.temperature).to.be.within(0.5, 0.9);
          expect(template.model.max_tokens).to.be.within(512, 2048);
        });

        it('when the question bank is counted, then it has at least 10 questions in 4-6 categories, each with 1-2 follow-ups', () => {
          expect(template.question_bank.length).to.be.within(4, 6);
          const questions = template.question_bank.flatMap((category) => category.questions);
          expect(questions.length).to.be.at.least(10);
          for (const category of template.question_bank) {
            expect(category.questions.length, category.category).to.be.within(2, 3);
          }
          for (const question of questions) {
            expect(question.follow_ups.length, question.question).to.be.within(1, 2);
          }
        });

        it('when the indicators are read, then there are at least 12 themes, each with lowercase words', () => {
          const entries = Object.entries(template.indicators);
          expect(entries.length).to.be.at.least(12);
          for (const [theme, words] of entries) {
            expect(words, theme).to.have.length.above(0);
            for (const word of words) {
              expect(word, `${theme}: ${word}`).to.equal(word.toLowerCase());
            }
          }
        });

        it('when the phase thresholds are read, then they are 1, 5 and 8 and increase', () => {
          const { exploration, deepening, synthesis } = template.phase_thresholds;
          expect(exploration).to.be.below(deepening);
          expect(deepening).to.be.below(synthesis);
          expect(template.phase_thresholds).to.deep.equal({
            exploration: 1,
            deepening: 5,
            synthesis: 8,
          });
        });

        it('when the phase guidance is read, then every one of the six phases has guidance', () => {
          expect(Object.keys(template.phase_guidance).sort()).to.deep.equal([...phases].sort());
        });

        it('when the system prompt is read, then it names every field of the structured tool and every result status', () => {
          for (const field of [
            'ai_response',
            'follow_up_question',
            'insights',
            'identified_values',
            'next_steps',
            'result_status',
            '"exploring"',
            '"proposed"',
            '"agreed"',
          ]) {
            expect(template.system_prompt, field).to.include(field);
          }
        });

        it('when the initial message is read, then it asks exactly one question', () => {
          expect(template.initial_message.match(/\?/g) ?? []).to.have.lengthOf(1);
          expect(template.initial_message.trim().endsWith('?')).to.equal(true);
        });

        it('when the completion rules are read, then they ask for enough items and know how a user confirms', () => {
          if (topic === 'core_values') expect(template.completion.min_items).to.equal(3);
          else expect(template.completion.min_items).to.be.within(1, 2);
          expect(template.completion.criteria).to.have.length.above(0);
          expect(template.completion.confirmation_words).to.include.members([
            'yes',
            'agree',
            "that's it",
          ]);
        });
      });
    }
  });

  describe('analysis templates', () => {
    for (const type of analysisTypes) {
      const key = templateKeys.analysis(type);

      it(`when ${key} is parsed, then its instructions hold exactly the placeholders ${requiredPlaceholders[type].join(', ')}`, () => {
        const template: AnalysisTemplate = checkTemplate(key, readTemplate(key));
        expect(template.analysis_type).to.equal(type);
        expect(template.model.temperature).to.be.within(0.1, 0.4);
        const found = new Set(placeholdersIn(template.instructions));
        expect([...found].sort()).to.deep.equal([...requiredPlaceholders[type]].sort());

        const values = Object.fromEntries(
          requiredPlaceholders[type].map((name) => [name, `<${name}>`]),
        );
        const filled = fillPlaceholders(template.instructions, values);
        expect(filled).to.not.include('{{');
        for (const name of requiredPlaceholders[type]) {
          expect(filled).to.include(`<${name}>`);
        }
      });

      it(`when ${key}'s system prompt is read, then it asks for high|medium|low ratings, calibrated 0-100 scores where it scores, and the structured tool`, () => {
        const template = checkTemplate(key, readTemplate(key));
        expect(template.system_prompt).to.match(/structured response tool/);
        expect(template.system_prompt).to.match(/"high", "medium" or "low"/);
        if (type !== 'operations') expect(template.system_prompt).to.match(/0 to 100/);
      });
    }

    it('when the operations template is read, then its instructions describe the findings of swot, root_cause and action_plan', () => {
      const key = templateKeys.analysis('operations');
      const template = checkTemplate(key, readTemplate(key));
      for (const fragment of [
        'swot',
        'root_cause',
        'action_plan',
        'threats',
        'contributing_factors',
        'action_items',
      ]) {
        expect(template.instructions, fragment).to.include(fragment);
      }
    });
  });

  describe('onboarding suggestion template', () => {
    const key = templateKeys.suggestion('onboarding');
    let template: SuggestionTemplate;
    before(() => {
      template = checkTemplate(key, readTemplate(key));
    });

    it('when parsed, then it has instructions and an offline opener for niche, ica and valueProposition', () => {
      expect(template.name).to.equal('onboarding');
      expect(Object.keys(template.instructions).sort()).to.deep.equal([...onboardingKinds].sort());
      expect(Object.keys(template.offline_openers).sort()).to.deep.equal(
        [...onboardingKinds].sort(),
      );
    });

    it("when each kind's instructions are filled, then the user's current draft takes the place of {{current}}", () => {
      for (const kind of onboardingKinds) {
        expect(placeholdersIn(template.instructions[kind]), kind).to.deep.equal(['current']);
        const filled = fillPlaceholders(template.instructions[kind], {
          current: 'We coach dentists.',
        });
        expect(filled, kind).to.include('We coach dentists.');
        expect(filled, kind).to.not.include('{{');
      }
    });

    it('when the offline openers are read, then each is one short sentence', () => {
      for (const kind of onboardingKinds) {
        const opener = template.offline_openers[kind];
        expect(opener.length, kind).to.be.within(20, 200);
        expect(opener.trim(), kind).to.match(/^[A-Z][^.!?]*[.!?]$/);
      }
    });
  });
});
