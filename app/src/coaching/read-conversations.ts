// Reading: one conversation with its whole history and the run's usage from its session, and
// a page of the caller's conversations in their tenant. Only the owner reads a conversation.
import type { Principal } from '../domain/kernel.js';
import { ownedConversation, type CoachingDeps } from './coaching-deps.js';
import type { ListPage, ListQuery } from './conversation-records.js';

export async function readConversation(
  deps: CoachingDeps,
  principal: Principal,
  conversationId: string,
) {
  const conversation = await ownedConversation(deps, principal, conversationId);
  // The history and the session come in one round trip (and one call when both need reading).
  const { messages, session } = await deps.conversations.history(conversation);
  if (!session) return { conversation, messages };
  // The run's usage, read from its session; never stored on the conversation itself.
  const usage = {
    model: session.model,
    turns: session.turns,
    failed_calls: session.failedCalls,
    input_tokens: session.inputTokens,
    output_tokens: session.outputTokens,
    estimated_cost_usd: session.estimatedCostUsd,
  };
  return {
    conversation: { ...conversation, metadata: { ...conversation.metadata, usage } },
    messages,
  };
}

/** The caller's own conversations; a `cursor` from a previous page continues after it. */
export function listConversations(
  deps: CoachingDeps,
  principal: Principal,
  query: Omit<ListQuery, 'userId' | 'tenantId'>,
): Promise<ListPage> {
  return deps.conversations.list({
    ...query,
    userId: principal.userId,
    tenantId: principal.tenantId,
  });
}
