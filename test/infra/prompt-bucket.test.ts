// The prompt bucket as the history of the templates, for all three stacks under Pulumi's mocks:
// a deploy uploads a file of prompts/ only when it changed in the repository (its hash is the
// only changing input), attributed to "deploy"; a refresh or a destroy never costs a published
// version; old versions stay as long as the stack says; the function may read, list and write
// versions and nothing wider.
import { expect } from 'chai';
import {
  input,
  namedResource,
  onlyResource,
  resourcesOfType,
  stackPlan,
  usePlan,
} from '../support/stack-plans';

type Statement = { Sid?: string; Action: string | string[]; Resource: string | string[] };
const asList = (value: string | string[]) => (Array.isArray(value) ? value : [value]);

for (const stage of ['dev', 'staging', 'prod']) {
  describe(`prompt bucket history: ${stage}`, () => {
    const plan = usePlan(stage);

    it('when the program is planned, then every template upload is attributed to deploy, ignores what a refresh reads back, and is never deleted', () => {
      const objects = resourcesOfType(plan, 'aws:s3/bucketObjectv2:BucketObjectv2');
      expect(objects).to.have.lengthOf(9);
      for (const object of objects) {
        expect(object.inputs.metadata, object.name).to.deep.equal({ 'updated-by': 'deploy' });
        expect(object.ignoreChanges, object.name).to.deep.equal(['metadata']);
        expect(object.retainOnDelete, object.name).to.equal(true);
        // Nothing an admin's version changes in the bucket is an input, besides the metadata.
        expect(Object.keys(object.inputs).sort()).to.deep.equal([
          'bucket',
          'contentType',
          'key',
          'metadata',
          'source',
          'sourceHash',
        ]);
      }
    });

    it('when no setting says otherwise, then replaced versions are kept 90 days', () => {
      const [rule] = onlyResource(
        plan,
        'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration',
      ).inputs.rules as Record<string, unknown>[];
      expect(rule?.noncurrentVersionExpiration).to.deep.equal({ noncurrentDays: 90 });
    });

    it("when the function's permissions are read, then on the bucket it may list versions, read any version and write one, and nothing else", () => {
      const bucket = String(onlyResource(plan, 'aws:s3/bucket:Bucket').inputs.bucket);
      const statements = input(
        namedResource(plan, 'aws:iam/rolePolicy:RolePolicy', 'service-permissions'),
        'policy.Statement',
      ) as Statement[];
      const s3 = statements
        .filter((s) => asList(s.Action).some((a) => a.startsWith('s3:')))
        .map((s) => ({ actions: [...asList(s.Action)].sort(), resources: asList(s.Resource) }));
      expect(s3).to.deep.equal([
        { actions: ['s3:ListBucketVersions'], resources: [`arn:aws:s3:::${bucket}`] },
        {
          actions: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject'],
          resources: [`arn:aws:s3:::${bucket}/*`],
        },
      ]);
    });
  });
}

describe('prompt bucket history: settings', () => {
  it('when a stack sets promptVersionDays, then the lifecycle keeps replaced versions that long', async function () {
    this.timeout(120_000);
    const plan = await stackPlan('staging', { 'purposepath-coaching:promptVersionDays': 365 });
    const [rule] = onlyResource(
      plan,
      'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration',
    ).inputs.rules as Record<string, unknown>[];
    expect(rule?.noncurrentVersionExpiration).to.deep.equal({ noncurrentDays: 365 });
  });

  it('when promptVersionDays is not a whole number of days of at least 1, then the stack refuses it', async function () {
    this.timeout(120_000);
    const error = await stackPlan('dev', { 'purposepath-coaching:promptVersionDays': 0 }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).to.include(
      'promptVersionDays must be a whole number of days, at least 1',
    );
  });
});
