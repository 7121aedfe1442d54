// No Docker engine runs here, so this checks what can be checked without one: every source the
// Dockerfile copies from the context exists and is not ignored, everything the final stage takes
// from the build stage is what `npm run build` produces, the final stage trains the V8 code
// cache with the runtime's flags, and CMD names the exported handler.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { BUNDLED_ASSETS_DIR, docsAssets } from '../../app/src/http/docs-routes.js';
import { ensureFreshBundle, TRAINING_SCRIPT } from '../../scripts/build.js';

const root = process.cwd();
const dockerfile = readFileSync(path.join(root, 'app', 'Dockerfile'), 'utf8');
const lines = dockerfile.split('\n').filter((line) => line.trim() && !line.trim().startsWith('#'));
const stages = lines
  .map((line, index) => ({ line, index }))
  .filter(({ line }) => /^FROM\s/i.test(line));
const copies = lines
  .filter((line) => /^COPY\s/i.test(line))
  .map((line) => {
    const parts = line.trim().split(/\s+/).slice(1);
    const from = parts.find((p) => p.startsWith('--from='))?.slice('--from='.length);
    const args = parts.filter((p) => !p.startsWith('--'));
    return { from, sources: args.slice(0, -1), line };
  });
const ignored = readFileSync(path.join(root, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

describe('the Lambda image (app/Dockerfile, built from the repository root)', () => {
  it('when built, then a Node 22 stage bundles and the final stage is the Lambda Node 22 base image', () => {
    expect(stages).to.have.length(2);
    expect(stages[0]?.line).to.match(/node:22\S*\s+AS\s+build/i);
    // npm and esbuild run natively even when the image is for the other architecture.
    expect(stages[0]?.line).to.match(/^FROM --platform=\$BUILDPLATFORM /);
    expect(stages[1]?.line.trim()).to.equal('FROM public.ecr.aws/lambda/nodejs:22');
    expect(dockerfile).to.match(/RUN npm run build/);
  });

  it('when it copies from the context, then every source exists and .dockerignore keeps it', () => {
    const fromContext = copies.filter((c) => c.from === undefined).flatMap((c) => c.sources);
    expect(fromContext).to.include.members([
      'prompts',
      'app/src',
      'scripts/build.ts',
      'scripts/train-code-cache.ts',
      'scripts/apigw-events.ts',
    ]);
    for (const source of fromContext) {
      expect(existsSync(path.join(root, source)), source).to.equal(true);
      for (const pattern of ignored) {
        const bare = pattern.replace(/^\*\*\//, '');
        expect(
          source === bare || source.startsWith(`${bare}/`),
          `${source} ignored by ${pattern}`,
        ).to.equal(false);
        if (bare.startsWith('*.')) expect(source.endsWith(bare.slice(1)), source).to.equal(false);
      }
    }
  });

  it('when the final stage takes files from the build stage, then npm run build produces each of them', async function () {
    this.timeout(120_000);
    await ensureFreshBundle(root);
    const fromBuild = copies.filter((c) => c.from === 'build').flatMap((c) => c.sources);
    expect(fromBuild).to.have.length.above(0);
    for (const source of fromBuild) {
      expect(source.startsWith('/src/'), source).to.equal(true);
      const local = path.join(root, source.slice('/src/'.length));
      expect(existsSync(local), local).to.equal(true);
    }
    // The whole of app/dist: the loader, every chunk, the docs assets and the training script.
    expect(fromBuild.map((s) => s.replace(/\/$/, ''))).to.include('/src/app/dist');
    expect(existsSync(path.join(root, 'app', 'dist', BUNDLED_ASSETS_DIR))).to.equal(true);
    for (const name of Object.keys(docsAssets)) {
      expect(
        statSync(path.join(root, 'app', 'dist', BUNDLED_ASSETS_DIR, name)).size,
        name,
      ).to.be.above(1000);
    }
  });

  it('when Lambda starts the image, then CMD names the handler the bundle exports', async () => {
    const cmd = /^CMD\s+\[\s*"([^"]+)"\s*\]/m.exec(dockerfile)?.[1];
    expect(cmd).to.equal('lambda.handler');
    const [file, exported] = (cmd ?? '').split('.');
    const dist = copies.find((c) => c.from === 'build' && c.sources.includes('/src/app/dist/'));
    expect(dist?.line.trim().endsWith('${LAMBDA_TASK_ROOT}/')).to.equal(true);
    const bundle = await ensureFreshBundle(root);
    expect(path.basename(bundle)).to.equal(`${file}.js`);
    const source = readFileSync(bundle, 'utf8');
    expect(source.startsWith('"use strict"') || source.includes('module.exports')).to.equal(true);
    const loaded = (await import(bundle)) as Record<string, unknown> & {
      default?: Record<string, unknown>;
    };
    const handler = loaded[exported ?? ''] ?? loaded.default?.[exported ?? ''];
    expect(handler).to.be.a('function');
  });

  it("when the final stage is built, then it trains the code cache with the runtime's flags and keeps no training script", () => {
    const final = lines.slice(stages[1]?.index ?? 0);
    const run = dockerfile.slice(dockerfile.lastIndexOf('FROM public.ecr.aws/lambda/nodejs:22'));
    // The memory decides the heap flags; the platform passes the function's (infra/service.ts).
    expect(final.some((l) => /^ARG FUNCTION_MEMORY_MB=\d+$/.test(l.trim()))).to.equal(true);
    expect(readFileSync(path.join(root, 'infra', 'service.ts'), 'utf8')).to.match(
      /buildArgs: \{ FUNCTION_MEMORY_MB: String\(args\.memorySize\) \}/,
    );
    const training = /RUN [^]*?node ([^]*?)train-code-cache\.js[^]*?(?=\n\S|$)/.exec(run);
    expect(training, 'a RUN of node train-code-cache.js in the final stage').to.not.equal(null);
    const flags = training![1]!.replace(/\\\n/g, ' ');
    expect(flags).to.contain('--expose-gc');
    expect(flags).to.match(/--max-semi-space-size=\$\(\(new_space \/ 2\)\)/);
    expect(flags).to.match(/--max-old-space-size=\$\(\(FUNCTION_MEMORY_MB - new_space\)\)/);
    expect(training![0]).to.match(/new_space=\$\(\(FUNCTION_MEMORY_MB \/ 10\)\)/);
    expect(training![0]).to.contain('rm train-code-cache.js');
    // After the bundle is in place, before CMD.
    const order = (pattern: RegExp) => final.findIndex((l) => pattern.test(l));
    expect(order(/COPY --from=build \/src\/app\/dist\//)).to.be.below(order(/train-code-cache/));
    expect(order(/train-code-cache/)).to.be.below(order(/^CMD/));
    expect(existsSync(path.join(root, TRAINING_SCRIPT))).to.equal(true);
  });
});
