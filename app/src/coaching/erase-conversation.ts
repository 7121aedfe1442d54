// Erasing a conversation: its owner's right; the item goes first, then every turn item, so a
// later read finds nothing.
import type { Principal } from '../domain/principal.js';
import { ownedConversation, type CoachingDeps } from './coaching-deps.js';
import { coachingLog } from './coaching-log.js';

export async function eraseConversation(
  deps: CoachingDeps,
  principal: Principal,
  conversationId: string,
): Promise<void> {
  const conversation = await ownedConversation(deps, principal, conversationId);
  await deps.conversations.delete(conversationId);
  coachingLog(deps.logger).event('conversation_deleted', principal, {
    conversationId,
    topic: conversation.topic,
  });
}
