// docs/deployment.md tells an operator what the stacks rely on and do not create, read from the
// stack files themselves: a stack that does not set the region's API Gateway logging role, a
// secret it looks up, a shared domain, models someone must enable. And its first deploy of prod
// is a path a newcomer can follow in order.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import { readStackConfigFiles } from '../../scripts/stack-config';

const root = process.cwd();
const guide = readFileSync(path.join(root, 'docs', 'deployment.md'), 'utf8');

/** The text of a section, from its heading to the next heading of its level or higher. */
function section(heading: string): string {
  const level = /^#+/.exec(heading)?.[0].length ?? 2;
  const lines = guide.split('\n');
  const start = lines.indexOf(heading);
  expect(start, heading).to.be.above(-1);
  let fenced = false;
  const body: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('```')) fenced = !fenced;
    const heads = /^(#+) /.exec(line);
    if (!fenced && heads && (heads[1]?.length ?? 0) <= level) break;
    body.push(line);
  }
  return body.join('\n');
}

const settingsOf = (stack: string) => {
  const { config } = readStackConfigFiles(root, stack, {});
  return (key: string) => config[`purposepath-coaching:${key}`];
};

describe('what docs/deployment.md says must exist before a first deploy', () => {
  const before = section('## Before the first deploy');

  for (const stack of ['dev', 'staging', 'prod']) {
    const setting = settingsOf(stack);

    if (setting('apiGatewayLogsRole') === false) {
      it(`when ${stack} relies on the region’s API Gateway logging role, then the guide says how to check and set it`, () => {
        expect(before).to.contain('aws apigateway get-account --query cloudwatchRoleArn');
        expect(before).to.contain('apiGatewayLogsRole: true');
        expect(before).to.match(/CloudWatch Logs role ARN\s+must be set in account settings/);
      });
    }

    if (setting('createJwtSecret') === false && !setting('jwtSecretArn')) {
      it(`when ${stack} looks up its JWT secret, then the guide names it and how to make one`, () => {
        expect(before).to.contain('purposepath/jwt-secret/<stage>');
        expect(before).to.contain('aws secretsmanager create-secret');
      });
    }

    if (setting('enableCustomDomain') === true && setting('customDomainMode') === 'existing') {
      it(`when ${stack} maps onto the existing domain ${String(setting('customDomainName'))}, then the guide checks it and its mapping keys`, () => {
        expect(before).to.contain(`--domain-name ${String(setting('customDomainName'))}`);
        expect(before).to.contain("ApiMappingKey=='coaching'");
      });
    }

    it(`when ${stack} calls its allowed models, then the guide says who enables them through Marketplace and how to check`, () => {
      expect(before).to.contain('aws-marketplace:Subscribe');
      expect(before).to.match(/functions' role has none of the Marketplace\s+rights/);
      expect((setting('allowedModels') as string[]).length).to.be.above(0);
      expect(before).to.contain('by its foundation-model id (the part after `us.`)');
      expect(before).to.contain(
        'aws bedrock get-foundation-model-availability --model-id anthropic.',
      );
    });
  }
});

describe('the first deploy of prod, step by step', () => {
  const steps = section('### First deploy of prod, step by step');
  const at = (text: string) => {
    const index = steps.indexOf(text);
    expect(index, text).to.be.above(-1);
    return index;
  };

  it('when a newcomer follows it, then the stack gets its secrets provider before anything is deployed', () => {
    expect(at("pulumi stack init prod --secrets-provider 'awskms://")).to.be.below(
      at('pulumi up --stack prod'),
    );
  });

  it('when it is followed in order, then model access, the secret, the logging role and the mapping import come before the up, and the smoke check after', () => {
    const order = [
      at('Model access'),
      at('aws secretsmanager describe-secret --secret-id purposepath/jwt-secret/prod'),
      at('aws apigateway get-account --query cloudwatchRoleArn'),
      at('import the'),
      at('pulumi preview --diff --stack prod'),
      at('pulumi up --stack prod'),
      at('npm run smoke -- --stack prod'),
    ];
    expect(order).to.deep.equal([...order].sort((a, b) => a - b));
  });

  it('when the tools are listed, then jq and openssl are among them', () => {
    expect(section('## Prerequisites')).to.match(/\*\*`jq`\*\* and \*\*`openssl`\*\*/);
  });

  it('when the local image answers {}, then the guide says what that answer means', () => {
    const local = section('## Local development');
    expect(local).to.contain(
      '{"refused":true,"reason":"neither an HTTP API request nor a job event"}',
    );
    expect(local).to.contain('That answer is a good one');
  });
});

describe('rolling back', () => {
  it('when prod is pinned to an earlier image, then the guide says to commit the stack file before CI runs again', () => {
    const rollback = section('## Rollback');
    expect(rollback).to.contain('Commit what the rollback changed');
    expect(rollback).to.contain('Pulumi.prod.yaml');
    expect(rollback).to.contain('never deletes an image it pushed');
  });
});
