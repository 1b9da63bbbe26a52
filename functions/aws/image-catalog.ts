import { ECRClient } from '@aws-sdk/client-ecr';
import { EcrImages } from '../../shared/adapters/images/ecr-images';
import { TableImageSnapshot } from '../../shared/adapters/dynamodb/table-image-snapshot';
import { createDocumentClient } from '../../shared/adapters/dynamodb/dynamodb-client';
import { powertoolsLogger } from '../../shared/adapters/aws/powertools';
import { ENV } from '../../shared/config/env-names';
import { loadFunctionEnv } from '../../shared/config/lambda-env';

/*
 * Every minute (EventBridge): the labelled images of the stack's app image repository, read from
 * ECR (tags, manifests, config blobs; each digest's labels once per warm function) and written as
 * one item of the sessions table that every other function reads. The only function with ECR
 * read access, and ECR is read once a minute whatever the API's traffic.
 */
const env = loadFunctionEnv('image-catalog');
const repository = env[ENV.imageRepository];
const logger = powertoolsLogger('image-catalog', env[ENV.logLevel]);
const ecr = new EcrImages(new ECRClient({ region: env[ENV.awsRegion], maxAttempts: 5 }), {
  repositories: [repository.slice(repository.indexOf('/') + 1)],
});
const snapshot = new TableImageSnapshot(
  createDocumentClient({ endpoint: env[ENV.dynamodbEndpoint], region: env[ENV.awsRegion] }),
  env[ENV.tableName],
);

export const handler = async (): Promise<{ images: number; iconsDropped: number }> => {
  const images = await ecr.list();
  const { iconsDropped } = await snapshot.publish(images, Date.now());
  if (iconsDropped) logger.warn({ iconsDropped }, 'the image snapshot is full: some icons were left out');
  logger.info({ images: images.length }, 'image snapshot written');
  return { images: images.length, iconsDropped };
};
