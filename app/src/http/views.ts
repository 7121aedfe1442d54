// What the routes answer: the domain's records as the contract's JSON bodies. A turn's body is
// the same whether it is answered, streamed (`turn`) or a job's result; an analysis's the same
// whether it is answered (201), read back or a job's result.
import type { z } from 'zod';
import { ANALYSIS_VERSION, type StoredAnalysis } from '../analysis/analysis-records.js';
import { answerProvenance, phaseProgress } from '../coaching/conversation-entity.js';
import type { StoredConversation } from '../coaching/conversation-records.js';
import type { Feedback, HistoryMessage } from '../coaching/feedback-records.js';
import type { TurnResult } from '../coaching/turn-records.js';
import { promptVersionJson, type PromptVersionRef } from '../domain/kernel.js';
import type { Job } from '../jobs/job-records.js';
import type { analysisResponse } from './analysis-schemas.js';
import type {
  conversationMessage,
  conversationResponse,
  conversationSummary,
  messageFeedback,
  messageResponse,
} from './conversation-schemas.js';
import type { jobResponse } from './job-schemas.js';

export function turnView(result: TurnResult): z.infer<typeof messageResponse> {
  return {
    conversation_id: result.conversationId,
    message_id: result.messageId,
    ai_response: result.aiResponse,
    follow_up_question: result.followUpQuestion,
    current_phase: result.phase,
    progress: result.progress,
    is_complete: result.isComplete,
    insights: [...result.insights],
    identified_values: [...result.identifiedValues],
    next_steps: result.nextSteps ? [...result.nextSteps] : null,
  };
}

export function summaryView(c: StoredConversation): z.infer<typeof conversationSummary> {
  return {
    conversation_id: c.conversationId,
    user_id: c.userId,
    tenant_id: c.tenantId,
    topic: c.topic,
    status: c.status,
    current_phase: c.phase,
    progress: phaseProgress[c.phase],
    message_count: c.messageCount,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    completed_at: c.completedAt,
  };
}

const recordedVersion = (ref: PromptVersionRef | null | undefined) =>
  ref ? promptVersionJson(ref) : null;

const feedbackView = (f: Feedback): z.infer<typeof messageFeedback> => ({
  rating: f.rating,
  tags: [...f.tags],
  comment: f.comment,
  updated_at: f.updatedAt,
});

/** A user message's metadata is the client's own; an assistant's says who wrote it. */
function messageView(m: HistoryMessage): z.infer<typeof conversationMessage> {
  const text = { message_id: m.messageId, content: m.content, timestamp: m.timestamp };
  if (m.role === 'user') return { role: 'user', ...text, metadata: m.metadata, feedback: null };
  const { model, promptVersion } = answerProvenance(m.metadata);
  return {
    role: 'assistant',
    ...text,
    metadata: { model, prompt_version: recordedVersion(promptVersion) },
    feedback: m.feedback && feedbackView(m.feedback),
  };
}

/** The list's summary fields, without its message count, plus the whole history. */
export function conversationView(
  c: StoredConversation,
  messages: readonly HistoryMessage[],
): z.infer<typeof conversationResponse> {
  const { message_count: _count, ...summary } = summaryView(c);
  return {
    ...summary,
    messages: messages.map(messageView),
    insights: [...c.insights],
    identified_values: [...c.identifiedValues],
    metadata: { ...c.metadata },
  };
}

export function analysisView(analysis: StoredAnalysis): z.infer<typeof analysisResponse> {
  const common = {
    analysis_id: analysis.id,
    created_at: analysis.createdAt,
    metadata: {
      user_id: analysis.userId,
      tenant_id: analysis.tenantId,
      analysis_version: ANALYSIS_VERSION,
      model: analysis.usage.model,
      prompt_version: recordedVersion(analysis.promptVersion),
    },
  } as const;
  const { outcome } = analysis;
  switch (outcome.type) {
    case 'alignment':
      return { ...common, analysis_type: 'alignment', ...outcome.output };
    case 'strategy':
      return { ...common, analysis_type: 'strategy', ...outcome.output };
    case 'kpi':
      return { ...common, analysis_type: 'kpi', ...outcome.output };
    case 'operations':
      return { ...common, analysis_type: 'operations', ...outcome.output };
  }
}

export function jobView(job: Job): z.infer<typeof jobResponse> {
  const { result } = job;
  return {
    job_id: job.jobId,
    kind: job.kind,
    status: job.status,
    conversation_id: job.conversationId,
    created_at: job.createdAt,
    updated_at: job.updatedAt,
    result:
      result === null
        ? null
        : result.kind === 'message'
          ? turnView(result.turn)
          : analysisView(result.analysis),
    error: job.error as z.infer<typeof jobResponse>['error'],
  };
}
