// Which version of which prompt template produced an answer: every assistant message and every
// analysis records it, and the history and the analysis show it as `{key, version_id}`.

export interface PromptVersionRef {
  /** The template's key: `coaching/goals`, `analysis/kpi`, `suggestions/onboarding`. */
  readonly key: string;
  /**
   * The prompt store's id of the version: an S3 version id, the embedded history's `<n>.<hex>`,
   * or `sha256:<16 hex>` for the image's own copy, served while the bucket cannot be reached.
   */
  readonly versionId: string;
}

/** As records keep it and responses show it. */
export const promptVersionJson = (ref: PromptVersionRef) => ({
  key: ref.key,
  version_id: ref.versionId,
});

/** Read back from a record: null when it has none (one written before versions were recorded). */
export function promptVersionOf(value: unknown): PromptVersionRef | null {
  if (!value || typeof value !== 'object') return null;
  const { key, version_id: versionId } = value as Record<string, unknown>;
  return typeof key === 'string' && typeof versionId === 'string' ? { key, versionId } : null;
}
