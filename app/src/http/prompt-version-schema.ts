// The template version an answer records, as the history's assistant messages, the analyses and
// the prompt admin routes show it.
import { z } from 'zod';

export const promptVersion = z.object({
  key: z
    .string()
    .describe('The template: `coaching/{topic}`, `analysis/{type}` or `suggestions/onboarding`'),
  version_id: z
    .string()
    .describe(
      'The version’s id in the prompt store (`sha256:…` for the copy shipped with the service, served while the store could not be read)',
    ),
});

/** What an answer records; null on answers stored before versions were recorded. */
export const recordedPromptVersion = promptVersion
  .nullable()
  .describe(
    'The template version that produced it; null when it was stored before versions were recorded (or by the original service)',
  );

/** A recorded version in the document's examples, its id as S3 writes them. */
export const promptVersionExample = (key: string): z.infer<typeof promptVersion> => ({
  key,
  version_id: 'Zr7Kq2mW9xT4bN1vC8pL5sF0hJ3dG6yA',
});
