import { Aws, Duration, Fn, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { DataTables } from './data-tables.js';
import type { RunQueue } from './run-queue.js';
import type { Schedules } from './schedules.js';
import { SynclineFunction } from './syncline-function.js';

export interface HttpApiProps {
  readonly data: DataTables;
  readonly runQueue: RunQueue;
  readonly schedules: Schedules;
  /** The fan-out the per-connection schedules (frequency overrides) invoke. */
  readonly fanOutArn: string;
  /** Steady-state requests per second across the API. @default 50 */
  readonly rateLimit?: number;
  /** @default 100 */
  readonly burstLimit?: number;
  /**
   * Where browsers reach the API when it is not the stage's own URL (a custom domain mapped to
   * the API, `https://sync.example.com`): the base of connect links and of the OAuth redirect
   * URI. @default the `$default` stage's URL
   */
  readonly publicUrl?: string;
  /** Retention of the function's logs and the access logs. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The HTTP API: API Gateway HTTP API (payload v2) with one catch-all `$default` route to the
 * API function — routing, validation and auth live in the app (functions/api/app.ts), the same
 * code `npm start` serves — stage throttling and JSON access logs.
 *
 * The first API key, set up at deploy: the stack generates a random secret in Secrets Manager
 * (`BootstrapKeySecret`; its ARN is the `BootstrapKeySecretArn` output). On a cold start, while
 * the API has no key at all, the function reads that secret through the AWS Parameters and
 * Secrets Lambda Extension and imports it into the key store (only its SHA-256 hash is stored).
 * Read it with `aws secretsmanager get-secret-value --secret-id <BootstrapKeySecretArn>`, create
 * your own keys with `POST /api-keys`, then revoke the bootstrap key (`DELETE /api-keys/{id}`);
 * it comes back only if every key is revoked, as the way back in.
 */
export class HttpApi extends Construct {
  readonly api: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly function: SynclineFunction;
  readonly accessLogs: logs.LogGroup;
  readonly bootstrapKeySecret: secretsmanager.Secret;
  /** Where browsers reach the API, without a trailing slash. */
  readonly publicUrl: string;

  constructor(scope: Construct, id: string, props: HttpApiProps) {
    super(scope, id);
    const { data, runQueue, schedules } = props;

    this.bootstrapKeySecret = new secretsmanager.Secret(this, 'BootstrapKeySecret', {
      description: 'Syncline: the first API key, imported by the API while it has no key',
      generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.bootstrapKeySecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'A one-time bootstrap value: imported (hashed) only while the API has no key, then revoked; rotating it would mint keys nobody asked for.',
    });

    this.function = new SynclineFunction(this, 'Function', {
      description: 'Syncline HTTP API: records, sync controls, connections, API keys',
      entry: 'functions/handlers/http/api.lambda.ts',
      serviceName: 'syncline-api',
      // API Gateway gives up on an integration after 30 s.
      timeout: Duration.seconds(29),
      memorySize: 512,
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
      paramsAndSecrets: lambda.ParamsAndSecretsLayerVersion.fromVersion(lambda.ParamsAndSecretsVersions.V1_0_103, {
        cacheEnabled: true,
        logLevel: lambda.ParamsAndSecretsLogLevel.WARN,
      }),
      environment: {
        RECORDS_TABLE: data.records.tableName,
        STATE_TABLE: data.state.tableName,
        RUN_QUEUE_URL: runQueue.queue.queueUrl,
        SCHEDULE_GROUP: schedules.groupName,
        FAN_OUT_ARN: props.fanOutArn,
        SCHEDULER_ROLE_ARN: schedules.role.roleArn,
        SCHEDULER_DLQ_ARN: schedules.deadLetterQueue.queueArn,
        KMS_KEY_ID: data.key.keyArn,
        BOOTSTRAP_KEY_SECRET_ARN: this.bootstrapKeySecret.secretArn,
      },
    });
    // Records: read for GET /records, write because emptyCache and connection deletion remove them.
    data.grantRecordsReadWrite(this.function);
    data.grantStateReadWrite(this.function);
    runQueue.queue.grantSendMessages(this.function);
    // Credential envelopes are sealed and opened with the data key directly (not via DynamoDB).
    data.grantEnvelopeSealOpen(this.function);
    this.bootstrapKeySecret.grantRead(this.function);
    this.grantConnectionSchedules(schedules);

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH });
    this.api = new apigw.HttpApi(this, 'Api', {
      description: 'Syncline HTTP API (Nango-compatible records and sync controls)',
      createDefaultStage: false,
      defaultIntegration: new HttpLambdaIntegration('Integration', this.function, { payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0 }),
    });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.rateLimit ?? 50, burstLimit: props.burstLimit ?? 100 },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogs),
        // No headers, no query string: they may carry keys or customer data.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            time: '$context.requestTime',
            method: '$context.httpMethod',
            path: '$context.path',
            status: '$context.status',
            latencyMs: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
            bytes: '$context.responseLength',
          }),
        ),
      },
    });

    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason: 'Authorization is in the app: every route but the OAuth callback and connect pages requires an API key (hashed, scoped; functions/api/scopes.ts), the same code `npm start` serves.',
    });

    // The function learns its own URL from the API (no cycle: the API resource does not depend on
    // the function, only its integration does). It is the redirect URI's base, never the request's Host.
    this.publicUrl = props.publicUrl?.replace(/\/+$/, '') ?? this.api.apiEndpoint;
    this.function.addEnvironment('SYNCLINE_PUBLIC_URL', this.publicUrl);
  }

  /** The redirect URI to register with every provider's OAuth app. */
  get oauthRedirectUri(): string {
    return Fn.join('', [this.publicUrl, '/oauth/callback']);
  }

  /** The public URL of the API (the `$default` stage). */
  get url(): string {
    return this.stage.url;
  }

  /**
   * Per-connection schedules (frequency overrides): read, create, re-rate and delete schedules
   * of Syncline's group only, and pass the invoke role to Scheduler. No ListSchedules: the API
   * addresses schedules by name. (Schedules' own grant also includes listing, for the deploy step.)
   */
  private grantConnectionSchedules(schedules: Schedules): void {
    iam.Grant.addToPrincipal({
      grantee: this.function,
      actions: ['scheduler:GetSchedule', 'scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule'],
      resourceArns: [`arn:${Aws.PARTITION}:scheduler:${Aws.REGION}:${Aws.ACCOUNT_ID}:schedule/${schedules.groupName}/*`],
    });
    Validations.of(this.function.role as iam.Role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${schedules.groupName}/*]`,
      reason: "Per-connection schedules are named from data (frequency overrides): scoped to Syncline's own group.",
    });
    iam.Grant.addToPrincipal({
      grantee: this.function,
      actions: ['iam:PassRole'],
      resourceArns: [schedules.role.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
    });
  }
}
