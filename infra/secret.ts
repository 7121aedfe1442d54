// The JWT signing secret. The token issuer signs with the same secret, so deployed stages name
// the one that already exists; only a fresh dev stack generates its own.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';

export interface JwtSecretArgs {
  /** The name of a secret this stack generates, `purposepath/jwt-secret/{stage}{suffix}`. */
  readonly secretName: string;
  /** The existing secret's conventional name, `purposepath/jwt-secret/{stage}` (the original's). */
  readonly existingName: string;
  /** Use this existing secret. */
  readonly existingArn?: string;
  /** Without an ARN: generate a secret (true) or find the existing one by `existingName`. */
  readonly generate: boolean;
  readonly protect: boolean;
}

export class JwtSecret extends pulumi.ComponentResource {
  readonly arn: pulumi.Output<string>;

  constructor(name: string, args: JwtSecretArgs, opts?: pulumi.ComponentResourceOptions) {
    super('purposepath:platform:JwtSecret', name, {}, opts);

    if (args.generate) {
      this.arn = this.generateSecret(name, args);
    } else {
      // Looked up rather than trusted, so a mistyped ARN or name fails the preview instead of
      // every request after the deploy.
      const lookup = args.existingArn ? { arn: args.existingArn } : { name: args.existingName };
      this.arn = aws.secretsmanager.getSecretOutput(lookup, { parent: this }).arn;
    }
    this.registerOutputs({ arn: this.arn });
  }

  private generateSecret(name: string, args: JwtSecretArgs): pulumi.Output<string> {
    const value = new random.RandomPassword(
      `${name}-value`,
      { length: 64, special: false },
      { parent: this, protect: args.protect },
    );
    const secret = new aws.secretsmanager.Secret(
      `${name}-secret`,
      {
        name: args.secretName,
        description: 'HS256 signing secret shared by the PurposePath token issuer and API',
        // A dev stack is recreated often and the name must be free again at once.
        recoveryWindowInDays: args.protect ? 30 : 0,
      },
      { parent: this, protect: args.protect },
    );
    new aws.secretsmanager.SecretVersion(
      `${name}-version`,
      {
        secretId: secret.id,
        secretString: pulumi.jsonStringify({ secret: value.result }),
      },
      { parent: this },
    );
    return secret.arn;
  }
}
