// Erasing a conversation, its owner's right: the conversation, every turn and every job of it
// go, a turn in flight stores nothing that survives, and the coaching session keeps only the
// tenant's usage (no user id, no text). An erasure cut short is finished by the next DELETE:
// the conversation item, which marks it, goes last.
import type { Principal } from '../domain/kernel.js';
import { ConversationNotFoundError } from '../errors.js';
import { authorize, type CoachingDeps } from './coaching-deps.js';
import { coachingLog } from './coaching-log.js';

export async function eraseConversation(
  deps: CoachingDeps,
  principal: Principal,
  conversationId: string,
): Promise<void> {
  // Another user's or tenant's is 403 or 404; one already being erased reads as gone but is
  // still its owner's to finish erasing.
  const visible = await deps.conversations.get(conversationId);
  if (visible) authorize(principal, conversationId, visible);
  const erasure = await deps.conversations.beginErasure(conversationId, principal);
  if (!erasure) throw new ConversationNotFoundError(conversationId);
  const at = deps.now().toISOString();
  if (erasure.sessionId) await deps.sessions.erase(erasure.sessionId, at);
  await deps.jobs.eraseConversation(conversationId);
  await deps.conversations.completeErasure(erasure, at);
  coachingLog(deps.logger).event('conversation_deleted', principal, {
    conversationId,
    topic: erasure.topic,
  });
}
