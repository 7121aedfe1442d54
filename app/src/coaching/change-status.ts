// The status changes: pause, resume and complete. Each is allowed or refused by the
// conversation's status (conversation-entity.ts), written only if neither the status nor the
// committed turns changed since it was decided on, and mirrored on the coaching session;
// completing also records the outcome. A change that lands during a turn wins: the turn's
// commit needs the conversation active.
import type { Principal } from '../domain/kernel.js';
import { ConversationBusyError, ConversationNotActiveError } from '../errors.js';
import { ownedConversation, type CoachingDeps } from './coaching-deps.js';
import { coachingLog } from './coaching-log.js';
import { transition, type StatusAction } from './conversation-entity.js';

type Metadata = Readonly<Record<string, unknown>>;

export function pauseConversation(
  deps: CoachingDeps,
  principal: Principal,
  conversationId: string,
  reason?: string,
): Promise<void> {
  return changeStatus(deps, principal, conversationId, 'pause', (m) => ({
    ...m,
    ...(reason ? { pause_reason: reason } : {}),
  }));
}

export function resumeConversation(
  deps: CoachingDeps,
  principal: Principal,
  conversationId: string,
): Promise<void> {
  return changeStatus(deps, principal, conversationId, 'resume', (m) => m);
}

export function completeConversation(
  deps: CoachingDeps,
  principal: Principal,
  conversationId: string,
  feedback?: string,
  rating?: number,
): Promise<void> {
  return changeStatus(deps, principal, conversationId, 'complete', (m) => ({
    ...m,
    ...(feedback ? { feedback } : {}),
    ...(rating !== undefined ? { rating } : {}),
  }));
}

async function changeStatus(
  deps: CoachingDeps,
  principal: Principal,
  conversationId: string,
  action: StatusAction,
  metadata: (current: Metadata) => Record<string, unknown>,
): Promise<void> {
  const log = coachingLog(deps.logger);
  // A concurrent status change makes the conditional write fail; decide again on fresh state.
  for (let attempt = 0; attempt < 3; attempt++) {
    const conversation = await ownedConversation(deps, principal, conversationId);
    const next = transition(conversation.status, action);
    if (next === 'refused')
      throw new ConversationNotActiveError(conversationId, conversation.status, action);
    if (next === 'unchanged') return;
    // Never before the last message, whatever the clocks of the instances that wrote it.
    const now = deps.now().toISOString();
    const at = now > conversation.updatedAt ? now : conversation.updatedAt;
    const changed = await deps.conversations.updateStatus(conversation, next, {
      updatedAt: at,
      completedAt: next === 'completed' ? at : undefined,
      metadata: metadata(conversation.metadata),
    });
    if (!changed) continue;
    log.event(`conversation_${next}`, principal, { conversationId, topic: conversation.topic });
    if (conversation.sessionId) {
      const outcome =
        next === 'completed'
          ? {
              phase: conversation.phase,
              identified_values: conversation.identifiedValues,
              insights: conversation.insights.length,
            }
          : undefined;
      await deps.sessions
        .updateStatus(conversation.sessionId, next, at, outcome)
        .catch((error: Error) =>
          log.notRecorded('session_status_not_recorded', conversationId, error),
        );
    }
    return;
  }
  throw new ConversationBusyError(conversationId);
}
