// How a `Prefer: respond-async` job leaves the invocation that answered 202: the API function
// invokes itself asynchronously (docs/architecture.md, "Jobs in AWS"). Lambda's own queue holds
// the event; this file sets how long it may wait there and how often a failed worker is retried,
// both from the job's start-by time, and keeps what Lambda gives up on in a queue someone is told
// about.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

/**
 * Lambda's schedule for an asynchronous event whose function returned an error: the first retry
 * about a minute after the failed attempt, the second about two minutes after that
 * ("How Lambda handles errors and retries with asynchronous invocation").
 */
const retryStartsSeconds = [60, 180] as const;

/** PutFunctionEventInvokeConfig's range for MaximumEventAgeInSeconds. */
export const eventAgeRange = { min: 60, max: 21_600 } as const;

/** SQS keeps a message at most 14 days: the time someone has to look at a lost job. */
export const failedJobRetentionSeconds = 14 * 24 * 3600;

export interface JobInvokeSettings {
  readonly maximumEventAgeInSeconds: number;
  readonly maximumRetryAttempts: number;
}

/**
 * The event is worth delivering only while a worker may still start its job (the job's start-by
 * time, app/src/jobs/job-timing.ts): later, the worker would only mark the job failed, which its
 * deadline does anyway. So the event lives that long (never less than Lambda's minimum), and only
 * the retries Lambda could start inside that age are asked for: one it could not start would be
 * discarded for its age regardless, and a retry of a worker that had claimed the job finds it
 * claimed and does nothing.
 */
export function jobInvokeSettings(startWithinSeconds: number): JobInvokeSettings {
  const maximumEventAgeInSeconds = Math.min(
    eventAgeRange.max,
    Math.max(eventAgeRange.min, Math.ceil(startWithinSeconds)),
  );
  return {
    maximumEventAgeInSeconds,
    maximumRetryAttempts: retryStartsSeconds.filter((start) => start < maximumEventAgeInSeconds)
      .length,
  };
}

/** The ARN of a function in this account and region, known from its name before it exists. */
export function functionArn(region: string, accountId: string, name: string): string {
  return `arn:aws:lambda:${region}:${accountId}:function:${name}`;
}

export interface FailedJobQueueArgs {
  /** Physical name of the queue. */
  readonly name: string;
}

/**
 * Lambda's on-failure destination for job events: an invocation record (the event, why it
 * failed, how many attempts) for each event Lambda gave up on, after its retries or past its
 * maximum age. A standard queue, since Lambda refuses FIFO destinations; encrypted at rest.
 */
export class FailedJobQueue extends pulumi.ComponentResource {
  readonly arn: pulumi.Output<string>;
  readonly name: pulumi.Output<string>;
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: FailedJobQueueArgs, opts?: pulumi.ComponentResourceOptions) {
    super('purposepath:platform:FailedJobQueue', name, {}, opts);
    const queue = new aws.sqs.Queue(
      `${name}-queue`,
      {
        name: args.name,
        sqsManagedSseEnabled: true,
        messageRetentionSeconds: failedJobRetentionSeconds,
      },
      { parent: this },
    );
    this.arn = queue.arn;
    this.name = queue.name;
    this.url = queue.url;
    this.registerOutputs({ arn: this.arn, url: this.url });
  }
}

export interface JobInvokeConfigArgs extends JobInvokeSettings {
  readonly functionName: pulumi.Input<string>;
  readonly failureDestinationArn: pulumi.Input<string>;
}

/** The function's asynchronous-invocation settings: retries, event age, where failures go. */
export function jobInvokeConfig(
  name: string,
  args: JobInvokeConfigArgs,
  opts?: pulumi.CustomResourceOptions,
): aws.lambda.FunctionEventInvokeConfig {
  return new aws.lambda.FunctionEventInvokeConfig(
    name,
    {
      functionName: args.functionName,
      maximumEventAgeInSeconds: args.maximumEventAgeInSeconds,
      maximumRetryAttempts: args.maximumRetryAttempts,
      destinationConfig: { onFailure: { destination: args.failureDestinationArn } },
    },
    opts,
  );
}
