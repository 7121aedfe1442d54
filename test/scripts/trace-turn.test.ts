// `npm run trace`: the files one coaching turn runs, in each delivery, counted for real.
import path from 'node:path';
import { expect } from 'chai';
import { runChild } from '../support/child-processes.js';
import { quietEnv } from '../support/server-process.js';

const root = path.resolve(__dirname, '..', '..');

interface Trace {
  readonly status: number;
  readonly count: number;
  readonly files: readonly string[];
}

describe('npm run trace', function () {
  this.timeout(90_000);

  it('when run, then it names the app/src files each delivery of a turn ran, the store’s and the test fakes’ left out', async () => {
    const outcome = await runChild(
      process.execPath,
      ['--import', 'tsx', 'bench/trace-turn.ts', '--json'],
      { cwd: root, env: { ...process.env, ...quietEnv } },
    );
    expect(outcome.code, outcome.stderr).to.equal(0);
    const traces = JSON.parse(outcome.stdout) as Record<string, Trace>;
    expect(Object.keys(traces)).to.deep.equal(['buffered', 'stream', 'job']);
    expect([traces.buffered!.status, traces.stream!.status, traces.job!.status]).to.deep.equal([
      200, 200, 202,
    ]);
    for (const trace of Object.values(traces)) {
      expect(trace.count).to.equal(trace.files.length);
      expect(trace.files).to.include('coaching/turn-pipeline.ts');
      expect(trace.files).to.include('llm/bedrock.ts');
      expect(trace.files.filter((file) => file.startsWith('storage/embedded/'))).to.deep.equal([]);
    }
    // Each delivery's own part is there, and only there.
    expect(traces.stream!.files).to.include('http/message-stream.ts');
    expect(traces.buffered!.files).not.to.include('http/message-stream.ts');
    expect(traces.job!.files).to.include('jobs/in-process-dispatcher.ts');
    expect(traces.buffered!.files).not.to.include('jobs/in-process-dispatcher.ts');
  });
});
