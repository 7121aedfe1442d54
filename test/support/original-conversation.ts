// A conversation as the original service stored it: one item, its messages inline (no ids),
// its phase in `context`. The tests of what this service does with such items put one here.
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { TestApi } from './harness.js';

export interface OriginalConversation {
  readonly conversationId: string;
  readonly userId: string;
  readonly tenantId: string;
  readonly status?: 'active' | 'paused' | 'completed';
  /** Role and content of each inline message, oldest first. */
  readonly messages?: readonly (readonly ['user' | 'assistant', string])[];
}

/** The original's three messages: its opening, the user's answer, the coach's reply. */
const THREE: NonNullable<OriginalConversation['messages']> = [
  ['assistant', 'Welcome'],
  ['user', 'I value honesty'],
  ['assistant', 'Tell me more'],
];

export async function putOriginalConversation(
  api: TestApi,
  conversation: OriginalConversation,
): Promise<void> {
  await api.dynamo.doc.send(
    new PutCommand({
      TableName: api.config.tables.conversations,
      Item: {
        conversation_id: conversation.conversationId,
        user_id: conversation.userId,
        tenant_id: conversation.tenantId,
        topic: 'core_values',
        status: conversation.status ?? 'active',
        messages: (conversation.messages ?? THREE).map(([role, content]) => ({
          role,
          content,
          timestamp: '2025-10-10T09:00:00+00:00',
          metadata: {},
        })),
        context: { current_phase: 'exploration', response_count: 1 },
        created_at: '2025-10-10T09:00:00+00:00',
        updated_at: '2025-10-10T09:01:05+00:00',
      },
    }),
  );
}
