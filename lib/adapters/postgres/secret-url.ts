/**
 * The PostgreSQL URL from a Secrets Manager secret, for the Lambda functions: read with Powertools
 * Parameters at the first close or query of a container (the cold start). `PostgresDatabase` makes
 * its pool from it once and reads it again, past the Powertools cache, only when PostgreSQL refuses
 * the login (a rotated password; README). The secret holds the URL
 * (`postgres://…?sslmode=verify-full`) or the JSON of an RDS-managed secret (connection.ts
 * `urlFromSecret`).
 */
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { ConfigError } from '../../core/errors.js';
import { type UrlProvider, urlFromSecret } from './connection.js';

/** Default: an hour. */
export const SECRET_MAX_AGE_SECONDS = 3_600;

/** A URL provider for `PostgresDatabase` reading `secretArn`. */
export function urlFromSecretArn(secretArn: string, maxAgeSeconds = SECRET_MAX_AGE_SECONDS): UrlProvider {
  return async ({ refresh }) => {
    // After a refused login (a rotated password): past the cache.
    const value = await getSecret(secretArn, { maxAge: maxAgeSeconds, forceFetch: refresh });
    if (typeof value !== 'string') {
      throw new ConfigError(
        `the secret ${secretArn} holds no string (a binary secret?): store the PostgreSQL URL`,
      );
    }
    return urlFromSecret(value);
  };
}
