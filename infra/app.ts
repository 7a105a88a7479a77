import { App, RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { SynclineStack, type SynclineStackProps } from './syncline-stack.js';

/*
 * CDK entry point (cdk.json: `npx tsx infra/app.ts`). Environment-agnostic on purpose: no
 * account/region lookups, so `cdk synth` runs offline without credentials and the same
 * template deploys to whichever account the CLI is pointed at.
 *
 *   cdk deploy                                                  # stage "dev": stack Syncline-dev
 *   cdk deploy -c stage=prod -c alarmEmail=ops@example.com      # stack Syncline-prod
 *   cdk deploy -c stage=alice                                   # another independent stack, Syncline-alice
 *   cdk deploy -c stage=prod -c stackName=Syncline              # keep an existing stack's name
 *   cdk deploy -c publicUrl=https://sync.example.com            # behind a custom domain
 *
 * Each stage is its own stack (and, through the stack name, its own schedule group), so stages
 * never manage each other's resources. What a stage keeps when it is deleted:
 *  - `dev`: tables and key are destroyed with the stack (no deletion protection), logs kept a week.
 *  - every other stage (`prod`, `staging`, …): tables with deletion protection and RETAIN, the
 *    KMS key RETAIN (a retained table or backup is unreadable without it), PITR on, logs 3 months.
 *  `-c ephemeral=true` makes any stage destroyable, as `dev`.
 * PITR is on in every stage (DataTables). Expiry of stored items is the adapters' concern: run
 * logs carry a 30-day TTL on the state table's `ttl` attribute (run-log-repo.ts).
 */
const app = new App();

const stage = readString(app.node.tryGetContext('stage')) ?? readString(process.env.SYNCLINE_STAGE) ?? 'dev';
if (!/^[A-Za-z0-9-]{1,32}$/.test(stage)) throw new Error(`stage must be 1-32 letters, digits or "-", got "${stage}"`);
const stackName = readString(app.node.tryGetContext('stackName')) ?? readString(process.env.SYNCLINE_STACK_NAME) ?? `Syncline-${stage}`;
const ephemeral = stage === 'dev' || String(app.node.tryGetContext('ephemeral') ?? 'false') === 'true';
// A custom domain in front of the API: the base of connect links and the OAuth redirect URI.
const publicUrl = readString(app.node.tryGetContext('publicUrl')) ?? readString(process.env.SYNCLINE_PUBLIC_URL);

new SynclineStack(app, stackName, {
  stackName,
  description: `Syncline (${stage}): third-party API syncs on Lambda, SQS, DynamoDB and EventBridge Scheduler`,
  tags: { 'syncline:stage': stage },
  ...stageSettings(ephemeral),
  ...(publicUrl ? { publicUrl } : {}),
});

app.synth();

/** What differs between a throwaway stage and one whose data must survive. */
function stageSettings(ephemeral: boolean): Pick<SynclineStackProps, 'data' | 'logRetention'> {
  return ephemeral
    ? { data: { removalPolicy: RemovalPolicy.DESTROY, deletionProtection: false }, logRetention: logs.RetentionDays.ONE_WEEK }
    : { data: { removalPolicy: RemovalPolicy.RETAIN, deletionProtection: true }, logRetention: logs.RetentionDays.THREE_MONTHS };
}

function readString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
