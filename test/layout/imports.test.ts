// The import rules docs/architecture.md states, read from the source: every static import,
// re-export and dynamic import of a module path (type-only ones too) of app/src, index.ts and
// infra/, followed transitively where a rule is about what a program loads.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { expect } from 'chai';

const root = path.resolve(__dirname, '..', '..');

/** Each file (repository-relative) and what it imports: files, or `pkg:<name>` for packages. */
function importGraph(): Map<string, string[]> {
  const files = execFileSync(
    'git',
    ['ls-files', '-co', '--exclude-standard', 'app/src', 'infra', 'index.ts'],
    {
      cwd: root,
      encoding: 'utf8',
    },
  )
    .split('\n')
    .filter((file) => file.endsWith('.ts'));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(path.join(root, file), 'utf8');
    } catch {
      continue; // deleted in the work tree, not yet in the index
    }
    const specifiers = [
      ...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^import\s+)'([^']+)'/gm),
    ].map((match) => match[1] ?? '');
    graph.set(
      file,
      specifiers.map((specifier) => {
        if (!specifier.startsWith('.')) return `pkg:${specifier}`;
        const target = path.relative(root, path.resolve(root, path.dirname(file), specifier));
        return `${target.replace(/\.(js|ts)$/, '')}.ts`;
      }),
    );
  }
  return graph;
}

/** Every file `starts` load, themselves included. */
function reach(graph: Map<string, string[]>, starts: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const queue = [...starts];
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    for (const target of graph.get(file) ?? []) if (!target.startsWith('pkg:')) queue.push(target);
  }
  return seen;
}

const under = (folder: string) => (file: string) => file.startsWith(`app/src/${folder}/`);

describe('the import rules', () => {
  const graph = importGraph();
  const files = [...graph.keys()];

  it('when the graph is read, then it holds the source and resolves imports to files that exist', () => {
    expect(files).to.include('app/src/coaching/turn-pipeline.ts');
    expect(files).to.include('index.ts');
    const missing = [...graph.values()]
      .flat()
      .filter((target) => !target.startsWith('pkg:') && !graph.has(target));
    expect(missing).to.deep.equal([]);
  });

  it('when domain/ is read, then it imports nothing of the service', () => {
    const imports = files
      .filter(under('domain'))
      .flatMap((file) => (graph.get(file) ?? []).map((target) => `${file} → ${target}`))
      .filter((edge) => !edge.includes('→ pkg:node:'));
    expect(imports).to.deep.equal([]);
  });

  it('when the Pulumi program is loaded, then it loads no app code but plain-data definitions', () => {
    const program = files.filter((file) => file === 'index.ts' || file.startsWith('infra/'));
    const app = [...reach(graph, program)].filter((file) => file.startsWith('app/')).sort();
    const plainData = [
      'app/src/deployed-env.ts',
      'app/src/domain/kernel.ts',
      'app/src/jobs/job-timing.ts',
      'app/src/observability/metrics.ts',
      'app/src/storage/tables.ts',
    ];
    expect(app.filter((file) => !plainData.includes(file))).to.deep.equal([]);
  });

  it('when storage/ is loaded, then of the features it loads only their records, entity and plain data, never a use case', () => {
    const features = /^app\/src\/(coaching|analysis|jobs|suggestions|previews|budgets)\//;
    const allowed =
      /(-records|\/conversation-entity|\/analysis\/outputs|\/analysis\/analysis-input|\/jobs\/job-timing)\.ts$/;
    const loaded = [...reach(graph, files.filter(under('storage')))].filter((file) =>
      features.test(file),
    );
    expect(loaded).to.include('app/src/coaching/conversation-records.ts');
    expect(loaded.filter((file) => !allowed.test(file))).to.deep.equal([]);
  });

  it('when a feature is read, then it imports no http/, no storage/, no Koa and no AWS SDK', () => {
    const features = ['coaching', 'analysis', 'suggestions', 'previews', 'budgets'];
    const edges = files
      .filter((file) => features.some((feature) => under(feature)(file)))
      .flatMap((file) => (graph.get(file) ?? []).map((target) => ({ file, target })))
      .filter(
        ({ target }) =>
          /^app\/src\/(http|storage)\//.test(target) || /^pkg:(koa|@koa\/|@aws-sdk\/)/.test(target),
      )
      .map(({ file, target }) => `${file} → ${target}`);
    expect(edges).to.deep.equal([]);
  });
});
