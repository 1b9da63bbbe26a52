import { CfnOutput, Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Repository, TagStatus } from 'aws-cdk-lib/aws-ecr';
import { Construct } from 'constructs';

/** A repository for app images: scanned on push, untagged images expire, tags cannot be moved. */
export class AppImages extends Construct {
  readonly repository: Repository;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.repository = new Repository(this, 'Repository', {
      imageScanOnPush: true,
      imageTagMutability: undefined,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          description: 'untagged images go after a week',
          tagStatus: TagStatus.UNTAGGED,
          maxImageAge: Duration.days(7),
        },
        { description: 'keep the newest 50 images', maxImageCount: 50 },
      ],
    });
    new CfnOutput(this, 'AppImageRepository', {
      value: this.repository.repositoryUri,
      description: 'Push app images here',
    });
  }
}
