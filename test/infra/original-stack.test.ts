// Beside the original SAM stack: no stack creates a name the original's default deployment holds
// (its tables, bucket, secret), and a stack can serve the original's tables instead of new ones,
// looked up by name, checked against the app's definitions, and never owned.
import { expect } from 'chai';
import { tableList, tableName, tables } from '../../app/src/storage/tables';
import { findConfigProblems, type StackConfig } from '../../infra/config';
import { originalTableIds } from '../../infra/data';
import { originalTableProblems, type DescribedTable } from '../../infra/original-tables';
import type { PlannedResource, StackPlan } from '../../scripts/plan';
import {
  describeOriginalTable,
  originalGeneratedName,
  originalNames,
} from '../../scripts/original-stack';
import { originalTables } from '../support/option-stacks';
import { validSettings } from '../support/stack-settings';
import {
  apiFunction,
  input,
  namedResource,
  onlyResource,
  resourcesOfType,
  stackPlan,
  usePlan,
} from '../support/stack-plans';

/** Every physical name a planned resource asks for: its name, bucket, dashboard or prefix. */
function physicalNames(plan: StackPlan): { resource: PlannedResource; name: string }[] {
  return plan.resources.flatMap((resource) =>
    ['name', 'namePrefix', 'bucket', 'dashboardName'].flatMap((key) => {
      const value = resource.inputs[key];
      return typeof value === 'string' ? [{ resource, name: value }] : [];
    }),
  );
}

for (const stage of ['dev', 'staging', 'prod']) {
  describe(`the ${stage} stack beside the original SAM stack`, function () {
    this.timeout(120_000);
    const plan = usePlan(stage);

    it('when its names are listed, then none is one the original’s default deployment holds or CloudFormation generates', () => {
      const taken = new Set(originalNames(stage));
      const clashes = physicalNames(plan).filter(
        ({ name }) => taken.has(name) || originalGeneratedName.test(name),
      );
      expect(clashes.map(({ resource, name }) => `${resource.name}: ${name}`)).to.deep.equal([]);
      expect(physicalNames(plan).length).to.be.above(20);
    });

    it('when the tables are created, then each carries the -v3 suffix, not the original’s -v2', () => {
      const names = resourcesOfType(plan, 'aws:dynamodb/table:Table').map((t) => t.inputs.name);
      expect(names).to.have.members(tableList.map((def) => tableName(def, stage, '-v3')));
    });
  });
}

describe('a stack that serves the original’s tables (useOriginalTables)', function () {
  this.timeout(120_000);
  const plan = usePlan('prod', originalTables);

  it('when it plans, then it creates no conversations or coaching-sessions table, and the others with its own suffix', () => {
    const created = resourcesOfType(plan, 'aws:dynamodb/table:Table').map((t) => t.inputs.name);
    expect(created).to.have.members(
      tableList
        .filter((def) => !originalTableIds.includes(def.id))
        .map((def) => tableName(def, 'prod', '-v3')),
    );
  });

  it('when the function starts, then it reads and writes the original’s tables by their names, with the original’s suffix', () => {
    const env = input(apiFunction(plan), 'environment.variables') as Record<string, string>;
    expect(env.CONVERSATIONS_TABLE).to.equal('purposepath-conversations-prod-v2');
    expect(env.COACHING_SESSIONS_TABLE).to.equal('purposepath-coaching-sessions-prod-v2');
    expect(plan.outputs.tableNames).to.include({
      conversations: 'purposepath-conversations-prod-v2',
      coachingSessions: 'purposepath-coaching-sessions-prod-v2',
    });
  });

  it('when the role is granted, then it reaches the original tables and their indexes', () => {
    const statements = input(
      namedResource(plan, 'aws:iam/rolePolicy:RolePolicy', 'service-permissions'),
      'policy.Statement',
    ) as { Sid: string; Resource: string[] }[];
    const tablesGrant = statements.find((s) => s.Sid === 'Tables')!;
    const arn = 'arn:aws:dynamodb:us-east-1:123456789012:table/purposepath-conversations-prod-v2';
    expect(tablesGrant.Resource).to.include.members([arn, `${arn}/index/*`]);
  });

  it('when a stack does not ask for them, then it owns every table and protects them in prod', async () => {
    const own = await stackPlan('prod');
    const conversations = resourcesOfType(own, 'aws:dynamodb/table:Table').find(
      (t) => t.inputs.name === tableName(tables.conversations, 'prod', '-v3'),
    );
    expect(conversations?.protect).to.equal(true);
    expect(onlyResource(plan, 'aws:s3/bucket:Bucket').inputs.bucket).to.equal(
      'purposepath-coaching-prompts-prod-v3',
    );
  });
});

describe('whether an original table can serve the app', () => {
  const conversations = () =>
    describeOriginalTable('purposepath-conversations-prod-v2', 'us-east-1', '1') as DescribedTable;

  it('when it has the keys and indexes the original guide lists, projecting everything, then it fits', () => {
    expect(originalTableProblems(tables.conversations, conversations())).to.deep.equal([]);
    const sessions = describeOriginalTable(
      'purposepath-coaching-sessions-dev-v2',
      'us-east-1',
      '1',
    );
    expect(originalTableProblems(tables.coachingSessions, sessions)).to.deep.equal([]);
  });

  it('when an index the app queries is missing, then the problem names it', () => {
    const table = conversations();
    const described = {
      ...table,
      globalSecondaryIndexes: table.globalSecondaryIndexes.filter(
        (index) => index.name !== 'user_id-created_at-index',
      ),
    };
    expect(originalTableProblems(tables.conversations, described)).to.deep.equal([
      'index user_id-created_at-index is missing (the app queries it)',
    ]);
  });

  it('when an index projects only keys, or leaves out an attribute the app reads, then it is refused', () => {
    const table = conversations();
    const [first, second] = table.globalSecondaryIndexes;
    const described = {
      ...table,
      globalSecondaryIndexes: [
        { ...first!, projectionType: 'KEYS_ONLY' },
        { ...second!, projectionType: 'INCLUDE', nonKeyAttributes: ['tenant_id'] },
      ],
    };
    const problems = originalTableProblems(tables.conversations, described);
    expect(problems).to.have.length(2);
    expect(problems[0]).to.equal(
      'index tenant_id-user_id-index projects KEYS_ONLY; the app reads status through it',
    );
    expect(problems[1]).to.match(
      /^index user_id-created_at-index projects INCLUDE; the app reads tenant_id, topic, status/,
    );
  });

  it('when the hash key differs in name or type, then the problem says what the app needs', () => {
    const table = conversations();
    expect(originalTableProblems(tables.conversations, { ...table, hashKey: 'id' })).to.deep.equal([
      'the table has hash key id, the app needs conversation_id',
    ]);
    const numeric = table.attributes.map((a) =>
      a.name === 'conversation_id' ? { ...a, type: 'N' } : a,
    );
    expect(
      originalTableProblems(tables.conversations, { ...table, attributes: numeric }),
    ).to.deep.equal(['the table: key conversation_id is of type N, the app needs S']);
  });

  it('when the table does not exist, then the lookup fails as DynamoDB answers', () => {
    expect(() => describeOriginalTable('purposepath-jobs-prod-v2', 'us-east-1', '1')).to.throw(
      'ResourceNotFoundException',
    );
  });
});

describe('names a stack may not use', () => {
  const valid = (change: Partial<StackConfig>): string[] =>
    findConfigProblems({ ...validSettings, stage: 'prod', protect: true, ...change });

  it('when the suffix is the original’s, then the stack is refused and told about useOriginalTables', () => {
    const [problem, ...rest] = valid({ nameSuffix: '-v2' });
    expect(rest).to.deep.equal([]);
    expect(problem).to.contain("nameSuffix -v2 is the original SAM stack's (originalNameSuffix)");
    expect(problem).to.contain('useOriginalTables');
  });

  it('when the suffix is empty, then the stack is refused: it would create the original’s bucket and secret', () => {
    expect(valid({ nameSuffix: '' })[0]).to.contain(
      'without one, the stack would create the bucket and secret',
    );
    expect(valid({ nameSuffix: 'v3' })).to.have.length(1);
  });

  it('when the suffix is a new one, then nothing is said', () => {
    expect(valid({})).to.deep.equal([]);
    expect(valid({ nameSuffix: '-blue' })).to.deep.equal([]);
  });
});
