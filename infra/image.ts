// The API's container image: built from app/Dockerfile for the function's platform and pushed to
// the stack's ECR repository. Pulumi never deletes it: docker-build's Image deletes the tags it
// pushed when the resource leaves the program, which a pinned `imageDigest` does, and that would
// delete the image the function runs, or the one a rollback means to return to. The repository's
// lifecycle policy (service.ts) keeps the newest images and expires the older ones instead.
import * as aws from '@pulumi/aws';
import * as dockerBuild from '@pulumi/docker-build';
import * as pulumi from '@pulumi/pulumi';

export interface EcrImageArgs {
  readonly repositoryUrl: pulumi.Input<string>;
  /** The repository's registry: the account id. */
  readonly registryId: pulumi.Input<string>;
  /** Build context and Dockerfile, relative to the project root. */
  readonly context: string;
  readonly dockerfile: string;
  /**
   * One platform: Lambda refuses manifest lists and attestation manifests, which is what a
   * multi-platform build pushes.
   */
  readonly platform: dockerBuild.Platform;
  readonly buildArgs: Record<string, string>;
}

/** Each push moves this tag; the image before it keeps its digest until the lifecycle expires it. */
export const imageTag = 'latest';

/** Builds and pushes the image; its URI by digest, the form a Lambda function runs. */
export function ecrImage(
  name: string,
  args: EcrImageArgs,
  opts: { parent: pulumi.Resource },
): pulumi.Output<string> {
  const login = aws.ecr.getAuthorizationTokenOutput({ registryId: args.registryId }, opts);
  const tagged = pulumi.interpolate`${args.repositoryUrl}:${imageTag}`;
  const image = new dockerBuild.Image(
    name,
    {
      tags: [tagged],
      buildArgs: args.buildArgs,
      // The last image pushed carries its build cache inline, for the next build to reuse.
      cacheFrom: [{ registry: { ref: tagged } }],
      cacheTo: [{ inline: {} }],
      context: { location: args.context },
      dockerfile: { location: args.dockerfile },
      platforms: [args.platform],
      push: true,
      registries: [
        {
          address: login.proxyEndpoint,
          username: login.userName,
          password: pulumi.secret(login.password),
        },
      ],
    },
    { ...opts, retainOnDelete: true },
  );
  return pulumi.interpolate`${args.repositoryUrl}@${image.digest}`;
}
