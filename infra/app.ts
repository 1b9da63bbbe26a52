import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { infraConfig } from './config';
import { SessionplaneStack } from './stacks/sessionplane-stack';

// `npx cdk synth` / `npx cdk deploy`. Works offline without credentials unless `vpcId` asks for a lookup.
const app = new App();
const config = infraConfig(app, { region: process.env.CDK_DEFAULT_REGION });
new SessionplaneStack(app, 'Sessionplane', config, {
  description: 'Sessionplane: one running copy of an interactive web app per user',
  // The account only when an existing VPC must be looked up; otherwise synth needs no credentials.
  env: { region: config.region, ...(config.vpcId ? { account: process.env.CDK_DEFAULT_ACCOUNT } : {}) },
});
// cdk-nag's AwsSolutions rules run at every synth; each acknowledged finding says why in the stack.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
