// A slow model on the fake Bedrock: the next call waits until the test lets it answer.
import { coachingTurn } from './fake-answers.js';
import type { BedrockAnswer, FakeBedrock } from './fake-bedrock.js';

/** The next model call waits for `answer()`; `reached` resolves once the model has the request. */
export function slowModel(fake: FakeBedrock, then: BedrockAnswer = { tool: coachingTurn() }) {
  let asked!: () => void;
  let answer!: () => void;
  const reached = new Promise<void>((resolve) => (asked = resolve));
  const until = new Promise<void>((resolve) => (answer = resolve));
  fake.script(() => {
    asked();
    return { until, then };
  });
  return { reached, answer };
}
