// Who wrote an assistant message: the template version and the model, kept in its metadata as
// the history shows them, `{model, prompt_version: {key, version_id}}`. The opening message is
// the template's own words, so no model wrote it (model null). Messages stored before versions
// were recorded, and by the original service, read back with null for what they lack.
import {
  promptVersionJson,
  promptVersionOf,
  type PromptVersionRef,
} from '../domain/prompt-version.js';

export interface AnswerProvenance {
  readonly model: string | null;
  readonly promptVersion: PromptVersionRef | null;
}

/** The metadata an assistant message is stored with. */
export const answerMetadata = (model: string | null, promptVersion: PromptVersionRef | null) => ({
  model,
  prompt_version: promptVersion && promptVersionJson(promptVersion),
});

export function answerProvenance(metadata: Readonly<Record<string, unknown>>): AnswerProvenance {
  return {
    model: typeof metadata.model === 'string' ? metadata.model : null,
    promptVersion: promptVersionOf(metadata.prompt_version),
  };
}
