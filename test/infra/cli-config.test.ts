// The offline plan reads the stack's configuration the way the Pulumi CLI does, refusals
// included, so a stack `pulumi preview` would stop at fails `npm test` first.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { projectRoot } from '../../scripts/plan';
import { readStackConfigFiles } from '../../scripts/stack-config';

describe('stack configuration, read as the Pulumi CLI reads it', () => {
  let dir: string;
  const write = (file: string, content: unknown) =>
    writeFileSync(path.join(dir, file), typeof content === 'string' ? content : toYaml(content));
  const project = (config: Record<string, unknown>) =>
    write('Pulumi.yaml', { name: 'demo', runtime: 'nodejs', config });
  const read = (stackConfig: Record<string, unknown> = {}) => {
    write('Pulumi.dev.yaml', { config: stackConfig });
    return readStackConfigFiles(dir, 'dev', {}).config;
  };

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'stack-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('when the real Pulumi.yaml loses the stage default, then prod stops with the CLI’s own message', () => {
    const real = parseYaml(readFileSync(path.join(projectRoot, 'Pulumi.yaml'), 'utf8')) as {
      config: Record<string, Record<string, unknown>>;
    };
    delete real.config.stage?.default;
    write('Pulumi.yaml', real);
    write('Pulumi.prod.yaml', readFileSync(path.join(projectRoot, 'Pulumi.prod.yaml'), 'utf8'));
    expect(() => readStackConfigFiles(dir, 'prod', {})).to.throw(
      "Stack 'prod' is missing configuration value 'stage'",
    );
  });

  it('when every declared key of the project has a default, then each stack file may leave any out', () => {
    for (const stack of ['dev', 'staging', 'prod']) {
      const { config } = readStackConfigFiles(projectRoot, stack, {});
      expect(config['purposepath-coaching:stage'], stack).to.equal('');
    }
  });

  it('when two or three keys are missing, then one message names them all, sorted', () => {
    project({ zone: { type: 'string' }, alpha: { type: 'string' } });
    expect(() => read()).to.throw("Stack 'dev' is missing configuration values 'alpha' and 'zone'");
    project({ c: { type: 'string' }, a: { type: 'integer' }, b: { type: 'boolean' } });
    expect(() => read()).to.throw("Stack 'dev' is missing configuration values 'a', 'b' and 'c'");
  });

  it('when the stack file sets the key, or it is another package’s, then nothing is missing', () => {
    project({ name: { type: 'string' }, 'aws:region': { type: 'string' } });
    expect(read({ 'demo:name': 'x' })['demo:name']).to.equal('x');
  });

  it('when a value is not of its declared type, then the CLI’s type message names the key', () => {
    project({
      size: { type: 'integer', default: 1 },
      flag: { type: 'boolean', default: false },
      names: { type: 'array', items: { type: 'string' }, default: [] },
    });
    const refused: [Record<string, unknown>, string][] = [
      [{ 'demo:size': 10.5 }, "key 'size' must be of type 'integer'"],
      [{ 'demo:flag': 'yes' }, "key 'flag' must be of type 'boolean'"],
      [{ 'demo:names': [1, 2] }, "key 'names' must be of type 'array<string>'"],
      [{ 'demo:names': 'a,b' }, "key 'names' must be of type 'array<string>'"],
    ];
    for (const [stackConfig, message] of refused) {
      expect(() => read(stackConfig), message).to.throw(
        `Stack 'dev' with configuration ${message}`,
      );
    }
  });

  it('when a scalar is given for a string, or digits as text for an integer, then the CLI accepts it too', () => {
    project({ label: { type: 'string', default: '' }, size: { type: 'integer', default: 1 } });
    expect(read({ 'demo:label': 42, 'demo:size': '7' })).to.include({
      'demo:label': 42,
      'demo:size': '7',
    });
  });
});
