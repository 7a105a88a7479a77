import { App, RemovalPolicy } from 'aws-cdk-lib';
import { SynclineStack } from './syncline-stack.js';

/*
 * CDK entry point (cdk.json: `npx tsx infra/app.ts`). Environment-agnostic on purpose: no
 * account/region lookups, so `cdk synth` runs offline without credentials and the same
 * template deploys to whichever account the CLI is pointed at.
 *
 *   cdk deploy -c stackName=Syncline-alice -c ephemeral=true   # a throwaway dev stack
 *   cdk deploy -c publicUrl=https://sync.example.com            # behind a custom domain
 */
const app = new App();

const stackName = readString(app.node.tryGetContext('stackName')) ?? readString(process.env.SYNCLINE_STACK_NAME) ?? 'Syncline';
// An ephemeral stack can be destroyed with its data; the default keeps tables and key.
const ephemeral = String(app.node.tryGetContext('ephemeral') ?? 'false') === 'true';
// A custom domain in front of the API: the base of connect links and the OAuth redirect URI.
const publicUrl = readString(app.node.tryGetContext('publicUrl')) ?? readString(process.env.SYNCLINE_PUBLIC_URL);

new SynclineStack(app, stackName, {
  stackName,
  description: 'Syncline: third-party API syncs on Lambda, SQS, DynamoDB and EventBridge Scheduler',
  data: ephemeral ? { removalPolicy: RemovalPolicy.DESTROY, deletionProtection: false } : {},
  ...(publicUrl ? { publicUrl } : {}),
});

app.synth();

function readString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
