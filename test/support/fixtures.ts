// The fixtures most component tests start from, as mocha hooks around a describe block: the real
// app on the embedded store (useApi), and the same app coaching through a fake Bedrock reached
// through the real SDK (useApiWithFakeBedrock) or a fake OpenAI-compatible server
// (useApiWithFakeOpenAi). Each is started once before the block's tests,
// given a clean slate before each one, and stopped after them, also when one fails. What they
// return can be named at once: it stands for the started app and fake once `before` has run.
import { coachingTurn } from './fake-answers.js';
import {
  fakeBedrockEnv,
  startFakeBedrock,
  type FakeBedrock,
  type Responder,
} from './fake-bedrock.js';
import { fakeOpenAiEnv, startFakeOpenAi, type FakeOpenAi } from './fake-openai.js';
import { startApi, type StartOptions, type TestApi } from './harness.js';
import { standIn } from './stand-in.js';

/** The app, started for the describe block. */
export function useApi(options: StartOptions = {}): { readonly api: TestApi } {
  let api: TestApi | undefined;
  before(async () => {
    api = await startApi(options);
  });
  after(() => api?.close());
  return { api: standIn('the app', () => api) };
}

export interface FakeBedrockOptions extends StartOptions {
  /**
   * What the fake answers when a test scripted nothing, set again before each test: by default
   * a valid coaching turn; null keeps the fake's own default (a 500 saying nothing was scripted).
   */
  readonly otherwise?: Responder | null;
}

/** A fake model service the app is started against. */
interface FakeModel {
  reset(): void;
  close(): Promise<void>;
}

/** The app against a fake model service: both started once, the fake reset before each test. */
function useApiWith<F extends FakeModel>(
  fake: { start: () => Promise<F>; env: (fake: F) => Record<string, string>; what: string },
  options: StartOptions,
  beforeEachTest: (fake: F) => void,
): { readonly api: TestApi; readonly fake: F } {
  let started: F | undefined;
  let api: TestApi | undefined;
  before(async () => {
    started = await fake.start();
    api = await startApi({ ...options, env: { ...fake.env(started), ...options.env } });
  });
  beforeEach(() => {
    if (!started) return;
    started.reset();
    beforeEachTest(started);
  });
  after(async () => {
    await api?.close();
    await started?.close();
  });
  return { api: standIn('the app', () => api), fake: standIn(fake.what, () => started) };
}

/** The app coaching through a fake Bedrock; the fake forgets every request before each test. */
export function useApiWithFakeBedrock(options: FakeBedrockOptions = {}): {
  readonly api: TestApi;
  readonly fake: FakeBedrock;
} {
  const otherwise = options.otherwise === undefined ? { tool: coachingTurn() } : options.otherwise;
  return useApiWith(
    { start: startFakeBedrock, env: fakeBedrockEnv, what: 'the fake Bedrock' },
    options,
    (fake) => {
      if (otherwise) fake.otherwise(otherwise);
    },
  );
}

/** The app coaching through a fake OpenAI-compatible server; it forgets everything before each test. */
export function useApiWithFakeOpenAi(options: StartOptions = {}): {
  readonly api: TestApi;
  readonly fake: FakeOpenAi;
} {
  return useApiWith(
    { start: startFakeOpenAi, env: fakeOpenAiEnv, what: 'the fake server' },
    options,
    () => undefined,
  );
}
