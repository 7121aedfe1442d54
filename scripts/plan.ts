// Builds one stack of the Pulumi program in this process under Pulumi's mocks, without the
// CLI, engine or providers, and returns what it would create: the offline plan.
//
// It does what the CLI would otherwise do for the program: reads Pulumi.yaml's config defaults
// and Pulumi.<stack>.yaml with the CLI's checks (stack-config.ts), and answers the provider calls
// the program makes. What it plans must pass the services' own validation rules (aws-rules.ts). The runtime keeps
// global state, so build one stack per process.
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import buildStack from '../index';
import { assertAwsAccepts } from './aws-rules';
import { describeOriginalTable } from './original-stack';
import { readStackConfigFiles } from './stack-config';

export const projectRoot = path.resolve(__dirname, '..');

/** The account every mocked ARN belongs to. */
export const mockAccountId = '123456789012';

export interface PlannedResource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
  /** Logical name of the parent component, when there is one. */
  readonly parent?: string;
  /** Logical name of the provider a custom resource was created with. */
  readonly provider?: string;
  readonly protect: boolean;
  /** Left in place (not deleted) when the stack goes or replaces it. */
  readonly retainOnDelete?: boolean;
  /** Inputs whose change in the state (a refresh) is no reason to update the resource. */
  readonly ignoreChanges?: readonly string[];
}

export interface StackPlan {
  readonly stack: string;
  readonly region: string;
  readonly config: Record<string, unknown>;
  readonly resources: PlannedResource[];
  /** The provider calls (invoke tokens) the program made, sorted. */
  readonly invokes: string[];
  readonly outputs: Record<string, unknown>;
}

export interface PlanOptions {
  readonly stack: string;
  /** Config to apply over the stack file, by key (`project:key` or `aws:region`). */
  readonly overrides?: Record<string, unknown>;
}

/** The value shown in place of every secret. */
export const maskedSecret = '[secret]';

export async function planStack(options: PlanOptions): Promise<StackPlan> {
  process.chdir(projectRoot);
  const { project, config } = readStackConfigFiles(
    projectRoot,
    options.stack,
    options.overrides ?? {},
  );
  const region = String(config['aws:region'] ?? 'us-east-1');
  const secretKeys = Object.keys(config).filter((key) => isSecureValue(config[key]));
  pulumi.runtime.setAllConfig(
    Object.fromEntries(Object.entries(config).map(([key, value]) => [key, configString(value)])),
    secretKeys,
  );

  const recorded: {
    type: string;
    name: string;
    inputs: unknown;
    parent?: string;
    protect: boolean;
  }[] = [];
  const registrations = new Map<string, RegisteredOptions>();
  const invokes = new Set<string>();
  await pulumi.runtime.setMocks(
    mockProviders(region, recorded, invokes),
    project,
    options.stack,
    false,
  );
  captureResourceOptions(registrations);

  const result = await buildStack();
  const outputs = await resolve(result);
  await pulumi.runtime.disconnect();

  const resources: PlannedResource[] = [];
  for (const resource of recorded) {
    const { parent, provider, protect, retainOnDelete, ignoreChanges } = registrations.get(
      `${resource.type}::${resource.name}`,
    ) ?? { protect: false };
    resources.push({
      type: resource.type,
      name: resource.name,
      inputs: (await normalize(resource.inputs)) as Record<string, unknown>,
      ...(parent ? { parent } : {}),
      ...(provider ? { provider } : {}),
      protect,
      ...(retainOnDelete ? { retainOnDelete } : {}),
      ...(ignoreChanges?.length ? { ignoreChanges } : {}),
    });
  }
  // The mocks accept anything; the services do not.
  assertAwsAccepts(options.stack, resources);
  return {
    stack: options.stack,
    region,
    config,
    resources: resources.sort(byTypeThenName),
    invokes: [...invokes].sort(),
    outputs: (await normalize(outputs)) as Record<string, unknown>,
  };
}

/**
 * The committed plan: `{type, name, inputs}` per resource, in a stable order, with `protect` and
 * `retainOnDelete` where set, so a review sees a resource lose its protection.
 */
export function planJson(plan: StackPlan): string {
  const resources = plan.resources.map(({ type, name, inputs, protect, retainOnDelete }) => ({
    type,
    name,
    ...(protect ? { protect } : {}),
    ...(retainOnDelete ? { retainOnDelete } : {}),
    inputs,
  }));
  return `${JSON.stringify(resources, null, 2)}\n`;
}

function isSecureValue(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'secure' in value;
}

/** The CLI hands the program strings; structured values travel as JSON. */
function configString(value: unknown): string {
  if (isSecureValue(value)) return maskedSecret;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

type Recorder = { type: string; name: string; inputs: unknown }[];

/** Answers resource registrations and provider calls the way AWS would shape them. */
function mockProviders(
  region: string,
  recorded: Recorder,
  invokes: Set<string>,
): pulumi.runtime.Mocks {
  const account = mockAccountId;
  return {
    newResource(args) {
      recorded.push({ type: args.type, name: args.name, inputs: args.inputs });
      const inputs = args.inputs as Record<string, unknown>;
      // A name prefix gets a unique ending, as AWS gives one (IAM: 26 characters).
      const prefixed =
        typeof inputs.namePrefix === 'string'
          ? `${inputs.namePrefix}${shortHash(args.name)}`
          : undefined;
      const physical = String(
        inputs.name ??
          prefixed ??
          inputs.bucket ??
          inputs.dashboardName ??
          inputs.domainName ??
          args.name,
      );
      const id = shortHash(`${args.type}/${physical}`);
      const state = {
        ...inputs,
        ...computedOutputs(args.type, physical, id, inputs, region, account),
      };
      return { id: stateId(args.type, physical, id), state };
    },
    call(args) {
      invokes.add(args.token);
      const inputs = args.inputs as Record<string, string | undefined>;
      switch (args.token) {
        case 'aws:index/getCallerIdentity:getCallerIdentity':
          return {
            accountId: account,
            arn: `arn:aws:iam::${account}:user/ci`,
            userId: 'AIDAMOCK',
            id: account,
          };
        case 'aws:index/getRegion:getRegion':
          return {
            region,
            name: region,
            id: region,
            description: region,
            endpoint: `ec2.${region}.amazonaws.com`,
          };
        case 'aws:secretsmanager/getSecret:getSecret': {
          const name = inputs.name ?? inputs.arn?.split(':secret:')[1]?.replace(/-\w{6}$/, '');
          const arn =
            inputs.arn ?? `arn:aws:secretsmanager:${region}:${account}:secret:${name}-AbCdEf`;
          return { arn, id: arn, name };
        }
        case 'aws:secretsmanager/getSecretVersion:getSecretVersion': {
          const arn = inputs.secretId ?? '';
          return {
            arn,
            id: arn,
            versionId: 'v1',
            secretString: '{"password":"offline-plan-redis"}',
          };
        }
        case 'aws:apigateway/getDomainName:getDomainName': {
          // A shared regional domain, as API Gateway describes one that already exists.
          const domainName = inputs.domainName ?? '';
          const id = shortHash(domainName);
          return {
            id: domainName,
            domainName,
            arn: `arn:aws:apigateway:${region}::/domainnames/${domainName}`,
            endpointConfigurations: [{ types: ['REGIONAL'] }],
            regionalDomainName: `d-${id}.execute-api.${region}.amazonaws.com`,
            regionalZoneId: 'Z1UJRXOUMOOFQ8',
            securityPolicy: 'TLS_1_2',
          };
        }
        case 'aws:ecr/getAuthorizationToken:getAuthorizationToken':
          return {
            id: region,
            proxyEndpoint: `https://${account}.dkr.ecr.${region}.amazonaws.com`,
            userName: 'AWS',
            password: 'offline-plan-token',
            authorizationToken: 'offline-plan-token',
            expiresAt: '2030-01-01T00:00:00Z',
          };
        case 'aws:dynamodb/getTable:getTable':
          return describeOriginalTable(inputs.name ?? '', region, account);
        case 'aws:route53/getZone:getZone':
          return {
            zoneId: `Z${shortHash(inputs.name ?? '').toUpperCase()}`,
            name: inputs.name,
            id: 'zone',
          };
        default:
          throw new Error(
            `The offline plan has no mock for ${args.token}; add one in scripts/plan.ts`,
          );
      }
    },
  };
}

/** AWS's ids: generated for APIs, their parts and DNS records; a domain name is its own id. */
function stateId(type: string, physical: string, id: string): string {
  const generated =
    (type.startsWith('aws:apigatewayv2/') && type !== 'aws:apigatewayv2/domainName:DomainName') ||
    (type.startsWith('aws:apigateway/') && type !== 'aws:apigateway/stage:Stage') ||
    type === 'aws:route53/record:Record';
  return generated ? id : physical;
}

function computedOutputs(
  type: string,
  name: string,
  id: string,
  inputs: Record<string, unknown>,
  region: string,
  account: string,
): Record<string, unknown> {
  const arn = (service: string, resource: string, scope = `${region}:${account}`) =>
    `arn:aws:${service}:${scope}:${resource}`;
  switch (type) {
    case 'aws:dynamodb/table:Table':
      return { arn: arn('dynamodb', `table/${name}`) };
    case 'aws:s3/bucket:Bucket':
      return { arn: `arn:aws:s3:::${name}`, bucket: name };
    case 'aws:secretsmanager/secret:Secret':
      return { arn: arn('secretsmanager', `secret:${name}-AbCdEf`) };
    case 'aws:ecr/repository:Repository':
      return {
        arn: arn('ecr', `repository/${name}`),
        registryId: account,
        repositoryUrl: `${account}.dkr.ecr.${region}.amazonaws.com/${name}`,
      };
    case 'docker-build:index:Image':
      return { digest: `sha256:${'0'.repeat(64)}` };
    case 'aws:cloudwatch/logGroup:LogGroup':
      return { arn: arn('logs', `log-group:${name}`) };
    case 'aws:iam/role:Role':
      return { arn: arn('iam', `role/${name}`, `:${account}`), name };
    case 'aws:lambda/function:Function': {
      const functionArn = arn('lambda', `function:${name}`);
      return {
        arn: functionArn,
        invokeArn: `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${functionArn}/invocations`,
      };
    }
    case 'aws:apigatewayv2/api:Api':
      return {
        apiEndpoint: `https://${id}.execute-api.${region}.amazonaws.com`,
        executionArn: arn('execute-api', id),
      };
    case 'aws:apigateway/restApi:RestApi':
      return {
        rootResourceId: `root${id.slice(0, 6)}`,
        executionArn: arn('execute-api', id),
      };
    case 'aws:apigatewayv2/domainName:DomainName':
      return {
        domainNameConfiguration: {
          ...(inputs.domainNameConfiguration as object),
          targetDomainName: `d-${id}.execute-api.${region}.amazonaws.com`,
          hostedZoneId: 'Z1UJRXOUMOOFQ8',
        },
      };
    case 'aws:acm/certificate:Certificate':
      return {
        arn: arn('acm', `certificate/${id}`),
        domainValidationOptions: [
          {
            domainName: name,
            resourceRecordName: `_${id}.${name}.`,
            resourceRecordType: 'CNAME',
            resourceRecordValue: `_${id}.acm-validations.aws.`,
          },
        ],
      };
    case 'aws:route53/record:Record':
      return { fqdn: String(inputs.name).replace(/\.$/, '') };
    case 'aws:sns/topic:Topic':
      return { arn: arn('sns', name) };
    case 'aws:sqs/queue:Queue':
      return {
        arn: arn('sqs', name),
        url: `https://sqs.${region}.amazonaws.com/${account}/${name}`,
      };
    case 'random:index/randomPassword:RandomPassword':
      return { result: 'offline-plan-password' };
    default:
      return { arn: arn(type.split(/[:/]/)[1] ?? 'mock', `${name}`) };
  }
}

interface RegisteredOptions {
  readonly parent?: string;
  readonly provider?: string;
  readonly protect: boolean;
  readonly retainOnDelete?: boolean;
  readonly ignoreChanges?: readonly string[];
}

/** The last part of a URN, or of a provider reference (`urn::id`): the logical name. */
const logicalName = (urn: string, trailingId = false) => {
  const parts = urn.split('::');
  return parts[parts.length - (trailingId ? 2 : 1)] ?? urn;
};

/** Records each registration's parent, provider and `protect`, which the mocks' hook does not see. */
function captureResourceOptions(options: Map<string, RegisteredOptions>): void {
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(req: RegisterRequest, callback: unknown): unknown;
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    const parent = req.getParent();
    const provider = req.getProvider();
    options.set(`${req.getType()}::${req.getName()}`, {
      ...(parent ? { parent: logicalName(parent) } : {}),
      ...(provider ? { provider: logicalName(provider, true) } : {}),
      protect: req.getProtect() ?? false,
      retainOnDelete: req.getRetainondelete() ?? false,
      ignoreChanges: req.getIgnorechangesList(),
    });
    return register(req, callback);
  };
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getProvider(): string;
  getProtect(): boolean | undefined;
  getRetainondelete(): boolean | undefined;
  getIgnorechangesList(): string[];
}

async function resolve(value: unknown): Promise<unknown> {
  return new Promise((done) => pulumi.output(value as Record<string, unknown>).apply(done));
}

const secretSignatureKey = '4dabf18193072939515e22adb298388d';

/**
 * Plain, stable data: secrets masked, file assets as their (relative) path, JSON documents
 * (policies, the dashboard) parsed so their diffs read line by line, object keys sorted.
 */
async function normalize(value: unknown): Promise<unknown> {
  if (value === null || value === undefined) return value;
  if (value instanceof pulumi.asset.FileAsset) return { fileAsset: await value.path };
  if (Array.isArray(value)) return Promise.all(value.map(normalize));
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (secretSignatureKey in record) return maskedSecret;
    const entries = await Promise.all(
      Object.keys(record)
        .sort()
        .filter((key) => record[key] !== undefined)
        .map(async (key) => [key, await normalize(record[key])] as const),
    );
    return Object.fromEntries(entries);
  }
  if (typeof value === 'string' && /^[[{]/.test(value)) {
    try {
      return await normalize(JSON.parse(value));
    } catch {
      return value;
    }
  }
  return value;
}

function byTypeThenName(a: PlannedResource, b: PlannedResource): number {
  return a.type.localeCompare(b.type) || a.name.localeCompare(b.name);
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 10);
}
