// One seed for every fast-check property of the suite, so `npm test` tries the same inputs on
// every run and its outcome depends on the code alone, never on chance. To explore other inputs:
// FAST_CHECK_SEED=<integer> runs that set, FAST_CHECK_SEED=random a new set each run (a failing
// property prints its seed and path, which reproduce it). Loaded by .mocharc.json.
import fc from 'fast-check';

const DEFAULT_SEED = 20261207;

const setting = process.env.FAST_CHECK_SEED ?? String(DEFAULT_SEED);
if (setting !== 'random') {
  if (!/^-?\d{1,10}$/.test(setting)) {
    throw new Error(
      `FAST_CHECK_SEED must be an integer or "random", not ${JSON.stringify(setting)}`,
    );
  }
  fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: Number(setting) });
}
