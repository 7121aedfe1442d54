// A turn's undo: for any conversation a run of turns has built, and any answer, undoing the
// last turn with what it kept gives back exactly the state before it, whatever moved on that
// turn: the phase, the result status, lists at their cap of 50, a recent window that slid by
// count or by bytes. The undo is taken from the state as the store reads it back (the window
// keeps no metadata), as the pipeline takes it.
import { expect } from 'chai';
import fc from 'fast-check';
import {
  applyTurn,
  type Conversation,
  type Message,
  type TurnOutcome,
  turnUndo,
  undoTurn,
  type TurnState,
} from '../../app/src/coaching/conversation-entity.js';
import { resultStatuses } from '../../app/src/domain/kernel.js';

const template = {
  phase_thresholds: { exploration: 2, deepening: 4, synthesis: 6 },
  completion: { criteria: ['named'], min_items: 3, confirmation_words: ['yes'] },
};

const start: Conversation = {
  conversationId: 'conv_1',
  userId: 'u1',
  tenantId: 't1',
  topic: 'core_values',
  status: 'active',
  phase: 'introduction',
  resultStatus: 'exploring',
  insights: [],
  identifiedValues: [],
  userTurns: 0,
  turnCount: 0,
  recentMessages: [
    { messageId: 'msg_t0s0', role: 'assistant', content: 'Hi', timestamp: 't0', metadata: {} },
  ],
  context: {},
  language: 'en',
  metadata: {},
  createdAt: 't0',
  updatedAt: 't0',
  completedAt: null,
};

/** A small pool, so that answers repeat each other's entries (in any case) as models do. */
const entry = (max: number) =>
  fc.oneof(
    fc.constantFrom('Honesty', 'honesty', ' Courage ', 'Family', 'growth', 'Growth', ''),
    fc.string({ minLength: 1, maxLength: max }),
  );

/** Text of one byte, or long enough that a few messages fill the window's 64 KB. */
const content = fc.oneof(
  fc.string({ minLength: 1, maxLength: 40 }),
  fc.integer({ min: 4000, max: 24_000 }).map((n) => 'é'.repeat(n / 2)),
);

const answer = fc.record({
  user: content,
  coach: content,
  insights: fc.array(entry(500), { maxLength: 10 }),
  identifiedValues: fc.array(entry(100), { maxLength: 10 }),
  resultStatus: fc.constantFrom(...resultStatuses),
});
type Answer = typeof answer extends fc.Arbitrary<infer A> ? A : never;

const message = (id: string, role: Message['role'], text: string, metadata = {}): Message => ({
  messageId: id,
  role,
  content: text,
  timestamp: `${id}-at`,
  metadata,
});

function turn(conversation: Conversation, a: Answer): Conversation {
  const number = conversation.turnCount + 1;
  const outcome: TurnOutcome = {
    aiResponse: a.coach,
    followUpQuestion: null,
    insights: a.insights,
    identifiedValues: a.identifiedValues,
    resultStatus: a.resultStatus,
  };
  return applyTurn(
    conversation,
    message(`msg_t${number}s0`, 'user', a.user, { client: number }),
    message(`msg_t${number}s1`, 'assistant', a.coach, { model: 'm' }),
    outcome,
    template,
  );
}

/** The conversation as the store reads it back: its window without metadata. */
const readBack = (c: Conversation): Conversation => ({
  ...c,
  recentMessages: c.recentMessages.map((m) => ({ ...m, metadata: {} })),
});

const stateOf = (c: TurnState): TurnState => ({
  phase: c.phase,
  resultStatus: c.resultStatus,
  userTurns: c.userTurns,
  turnCount: c.turnCount,
  insights: c.insights,
  identifiedValues: c.identifiedValues,
  recentMessages: c.recentMessages,
});

describe('a turn’s undo', () => {
  it('when any run of turns is followed by one more, then undoing it gives back exactly the state before', () => {
    fc.assert(
      fc.property(fc.array(answer, { maxLength: 40 }), answer, (earlier, last) => {
        const before = readBack(earlier.reduce(turn, start));
        const after = readBack(turn(before, last));
        const undone = undoTurn(after, turnUndo(before, after));
        expect(stateOf(undone)).to.deep.equal(stateOf(before));
        expect(undone).to.deep.equal({ ...after, ...stateOf(before) });
      }),
      { numRuns: 300 },
    );
  });

  it('when the lists are at their cap and the window is full, then the undo keeps only what the turn pushed out', () => {
    const many = (n: number, prefix: string) =>
      Array.from({ length: n }, (_, i) => `${prefix}${i}`);
    const full = Array.from({ length: 12 }, () => ({
      user: 'u',
      coach: 'c',
      insights: many(10, 'i'),
      identifiedValues: many(10, 'v'),
      resultStatus: 'exploring' as const,
    })).map((a, t) => ({
      ...a,
      insights: a.insights.map((s) => `${s}-${t}`),
      identifiedValues: a.identifiedValues.map((s) => `${s}-${t}`),
    }));
    const before = readBack(full.reduce(turn, start));
    expect(before.insights).to.have.length(50);
    expect(before.recentMessages).to.have.length(12);
    const after = readBack(
      turn(before, {
        user: 'u',
        coach: 'c',
        insights: ['new one'],
        identifiedValues: ['x', 'y'],
        resultStatus: 'exploring',
      }),
    );
    const undo = turnUndo(before, after);
    expect(undo.insights.dropped).to.deep.equal([before.insights[0]]);
    expect(undo.identifiedValues.dropped).to.deep.equal(before.identifiedValues.slice(0, 2));
    expect(undo.recentMessages.dropped).to.deep.equal(before.recentMessages.slice(0, 2));
    expect(stateOf(undoTurn(after, undo))).to.deep.equal(stateOf(before));
  });

  it('when the phase moved on that turn, then the undo puts it back', () => {
    const answered = (i: number, resultStatus: Answer['resultStatus']): Answer => ({
      user: 'u',
      coach: 'c',
      insights: [],
      identifiedValues: [`v${i}`],
      resultStatus,
    });
    const earlier = [0, 1, 2, 3, 4].map((i) => answered(i, 'exploring'));
    const before = readBack(earlier.reduce(turn, start));
    const after = readBack(turn(before, answered(5, 'proposed')));
    expect(after.phase).to.not.equal(before.phase);
    expect(undoTurn(after, turnUndo(before, after)).phase).to.equal(before.phase);
  });
});
