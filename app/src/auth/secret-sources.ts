// Signing-secret sources: a fixed value (JWT_SECRET, or the local generated one) and AWS
// Secrets Manager (JWT_SECRET_ARN). A failing source is a 503, never a 401.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ServiceUnavailableError } from '../errors.js';
import type { SecretSource } from './jwt.js';

export function fixedSecret(value: string): SecretSource {
  return { read: () => Promise.resolve(value) };
}

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
