import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { SynclineStack } from '../../infra/syncline-stack.js';

interface Resource {
  Type: string;
  Properties: Record<string, any>;
}
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

let stack: SynclineStack;
let template: Template;
let resources: Record<string, Resource>;

beforeAll(() => {
  stack = new SynclineStack(new App(), 'Test');
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources as Record<string, Resource>;
}, 120_000);

const logicalId = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as CfnElement);
const apiStatements = (): Statement[] => {
  const roleId = logicalId(stack.api.function.role! as never);
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(roleId))
    .flatMap((r) => r.Properties.PolicyDocument.Statement as Statement[]);
};
const actions = (st: Statement) => [st.Action].flat();

describe('HTTP API', () => {
  it('is an HTTP API with one catch-all $default route to the API function (payload v2)', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$default' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [logicalId(stack.api.function), 'Arn'] },
    });
    template.hasResourceProperties('AWS::Lambda::Permission', { Action: 'lambda:InvokeFunction', Principal: 'apigateway.amazonaws.com' });
  });

  it('throttles the $default stage and writes JSON access logs to a log group with retention', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingBurstLimit: 100, ThrottlingRateLimit: 50 },
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [logicalId(stack.api.accessLogs), 'Arn'] },
        Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"'),
      },
    });
    expect(resources[logicalId(stack.api.accessLogs)]!.Properties.RetentionInDays).toBe(30);
    const format = JSON.parse(template.findResources('AWS::ApiGatewayV2::Stage')[Object.keys(template.findResources('AWS::ApiGatewayV2::Stage'))[0]!]!.Properties.AccessLogSettings.Format);
    expect(Object.values(format).join(' ')).not.toMatch(/header|querystring|authorization/i);
  });

  it('runs the API function on Node 22 arm64 with 512 MB, 29 s and the environment it reads', () => {
    const fn = resources[logicalId(stack.api.function)]!.Properties;
    expect(fn).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], MemorySize: 512, Timeout: 29 });
    expect(Object.keys(fn.Environment.Variables)).toEqual(
      expect.arrayContaining(['RECORDS_TABLE', 'STATE_TABLE', 'RUN_QUEUE_URL', 'SCHEDULE_GROUP', 'FAN_OUT_ARN', 'SCHEDULER_ROLE_ARN', 'KMS_KEY_ID', 'BOOTSTRAP_KEY_SECRET_ARN']),
    );
    // The Parameters and Secrets extension serves the bootstrap key to the function.
    expect(JSON.stringify(fn.Layers)).toMatch(/AWS-Parameters-and-Secrets-Lambda-Extension|ParamsAndSecrets|Mapping/i);
    expect(fn.Environment.Variables).toMatchObject({ PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED: 'true' });
  });

  it("grants least privilege: tables, send to the run queue, the group's schedules, PassRole to Scheduler only, the key, the bootstrap secret", () => {
    const statements = apiStatements();
    const all = statements.flatMap(actions);
    expect(all).toEqual(
      expect.arrayContaining([
        'dynamodb:Query',
        'dynamodb:PutItem',
        'sqs:SendMessage',
        'scheduler:CreateSchedule',
        'scheduler:DeleteSchedule',
        'iam:PassRole',
        'kms:Decrypt',
        'kms:GenerateDataKey',
        'secretsmanager:GetSecretValue',
      ]),
    );
    expect(all).not.toContain('dynamodb:Scan');
    expect(all).not.toContain('scheduler:ListSchedules');
    expect(all.some((a) => a.includes('*'))).toBe(false);

    const schedulerStatement = statements.find((st) => actions(st).includes('scheduler:CreateSchedule'))!;
    expect(JSON.stringify(schedulerStatement.Resource)).toContain(`:schedule/${stack.schedules.groupName}/*`);
    const passRole = statements.find((st) => actions(st).includes('iam:PassRole'))!;
    expect(passRole.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } });
    expect(passRole.Resource).toEqual({ 'Fn::GetAtt': [logicalId(stack.schedules.role), 'Arn'] });
  });

  it('generates the bootstrap key in Secrets Manager and outputs the API URL and the secret ARN', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', { GenerateSecretString: Match.objectLike({ PasswordLength: 48, ExcludePunctuation: true }) });
    template.hasOutput('ApiUrl', Match.anyValue());
    template.hasOutput('BootstrapKeySecretArn', { Value: { Ref: logicalId(stack.api.bootstrapKeySecret) } });
  });

  it("gives the function the API's own URL as its public URL and outputs the OAuth redirect URI built from it", () => {
    const apiId = logicalId(stack.api.api);
    const fn = resources[logicalId(stack.api.function)]!.Properties;
    // https://<api id>.execute-api.<region>.<suffix> (no trailing slash), never a request's Host.
    const endpoint = { 'Fn::GetAtt': [apiId, 'ApiEndpoint'] };
    expect(fn.Environment.Variables.SYNCLINE_PUBLIC_URL).toEqual(endpoint);
    const output = template.findOutputs('OAuthRedirectUri')['OAuthRedirectUri']!;
    expect(output.Value).toEqual({ 'Fn::Join': ['', [endpoint, '/oauth/callback']] });
    expect(output.Description).toMatch(/redirect URI/);
  });

  it('uses a custom domain, when given, for the public URL and the redirect URI', () => {
    const custom = new SynclineStack(new App(), 'Custom', { publicUrl: 'https://sync.example.com/' });
    const customTemplate = Template.fromStack(custom);
    const fn = customTemplate.toJSON().Resources[custom.getLogicalId(custom.api.function.node.defaultChild as CfnElement)].Properties;
    expect(fn.Environment.Variables.SYNCLINE_PUBLIC_URL).toBe('https://sync.example.com');
    customTemplate.hasOutput('OAuthRedirectUri', { Value: 'https://sync.example.com/oauth/callback' });
  }, 120_000);
});

describe('web console', () => {
  it('is built into the API function’s bundle at synth: the page and its hashed files, and no esbuild', () => {
    // The function's code is the asset `asset.<hash>` of the synthesized assembly (S3 key `<hash>.zip`).
    const s3Key = resources[logicalId(stack.api.function)]!.Properties.Code.S3Key as string;
    const assetDir = join((stack.node.root as App).outdir, `asset.${s3Key.replace(/\.zip$/, '')}`);
    const bundle = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
    // Booleans, not toContain: a failure must not print a megabyte of bundle.
    expect(/<div id=\\?"app\\?">/.test(bundle), 'the index.html').toBe(true);
    const files = [...new Set(bundle.match(/app\.[A-Z0-9]+\.(?:js|css)/g) ?? [])];
    expect(files.filter((f) => f.endsWith('.js'))).toHaveLength(1);
    expect(files.filter((f) => f.endsWith('.css'))).toHaveLength(1);
    expect(bundle.includes("default-src 'none'; script-src 'self'"), 'the console CSP').toBe(true);
    // The generated module embeds the files; the in-process builder (esbuild) stays out of Lambda.
    expect(bundle.includes('buildSync'), 'esbuild in the bundle').toBe(false);
  });
});
