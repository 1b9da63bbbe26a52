import { fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles (BUNDLING.alias). Lambda
 * puts the function role's credentials in the environment, which is the first place the SDK's
 * default chain looks; the rest of that chain (SSO, INI files, process, web identity, IMDS and the
 * STS clients they bring) never runs there and was about 85 KiB of every bundle.
 */
export const defaultProvider: typeof fromEnv = (init) => fromEnv(init);
