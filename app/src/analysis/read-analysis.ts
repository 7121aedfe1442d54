// Reading a kept analysis back: its owner's only; anyone else's is indistinguishable from a
// missing one.
import type { Principal } from '../domain/kernel.js';
import { AnalysisNotFoundError } from '../errors.js';
import type { AnalysisDeps } from './analysis-deps.js';
import type { StoredAnalysis } from './analysis-records.js';

export async function readAnalysis(
  deps: AnalysisDeps,
  principal: Principal,
  analysisId: string,
): Promise<StoredAnalysis> {
  const analysis = analysisId.startsWith('anls_')
    ? await deps.repository.get(analysisId)
    : undefined;
  if (
    !analysis ||
    analysis.tenantId !== principal.tenantId ||
    analysis.userId !== principal.userId
  ) {
    throw new AnalysisNotFoundError(analysisId);
  }
  return analysis;
}
