// Redis's AUTH token for the function (REDIS_PASSWORD), read from Secrets Manager when the stack
// is deployed, so no stack file and no plan holds it. Lambda keeps environment variables
// encrypted at rest; who may read the function's configuration may read the token.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

/** The token in a secret's value: the raw string, or the `password` of a JSON object. */
export function redisTokenOf(secretString: string): string {
  try {
    const parsed = JSON.parse(secretString) as unknown;
    if (typeof parsed === 'object' && parsed !== null && 'password' in parsed) {
      return String(parsed.password);
    }
  } catch {
    // Not JSON: the value is the token itself.
  }
  return secretString;
}

export function redisPassword(
  secretArn: string,
  opts: pulumi.InvokeOutputOptions,
): pulumi.Output<string> {
  const version = aws.secretsmanager.getSecretVersionOutput({ secretId: secretArn }, opts);
  return pulumi.secret(version.secretString.apply(redisTokenOf));
}
