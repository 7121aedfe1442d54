// The signing secret from AWS Secrets Manager (JWT_SECRET_ARN). A failing read is a 503, never
// a 401. Loaded on the first token check (secret-sources.ts), so a function that has JWT_SECRET
// never loads the client.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ServiceUnavailableError } from '../errors.js';
import type { SecretSource } from './jwt.js';

export { SecretsManagerClient };

export function secretsManagerSecret(secretId: string, client: SecretsManagerClient): SecretSource {
  return {
    async read() {
      try {
        const result = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
        if (!result.SecretString) throw new Error('the secret has no string value');
        return result.SecretString;
      } catch (error) {
        throw new ServiceUnavailableError('secrets_manager', 5, (error as Error).message);
      }
    },
  };
}
