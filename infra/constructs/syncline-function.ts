import { fileURLToPath } from 'node:url';
import { type Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { writeStaticConsoleAssets } from '../../functions/console/assets-static.js';
import { writeStaticRegistry } from '../../functions/discovery/static-registry.js';
import { LAMBDA_NODE_OPTIONS, lambdaBuildOptions, nodejsBundlingOptions } from '../bundling-options.js';

/** The repository root: entries, the lockfile and tsconfig are resolved from here. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

let registryFile: string | undefined;

/** The discovered integrations as static imports for the bundles, written once per synth. */
function staticRegistry(): string {
  registryFile ??= writeStaticRegistry();
  return registryFile;
}

let consoleFile: string | undefined;

/** The web console's built files as a module (`syncline-console`), written once per synth. */
function staticConsoleAssets(): string {
  consoleFile ??= writeStaticConsoleAssets();
  return consoleFile;
}

/** Props a Syncline function may set; runtime, architecture and bundling are the house's. */
export interface SynclineFunctionProps
  extends Omit<NodejsFunctionProps, 'entry' | 'runtime' | 'architecture' | 'memorySize' | 'timeout' | 'bundling' | 'logGroup' | 'logRetention' | 'projectRoot' | 'depsLockFilePath' | 'role'> {
  /** Handler file relative to the repository root, e.g. `functions/handlers/queue/executor.lambda.ts`. */
  readonly entry: string;
  /** Explicit on purpose: every function states what it needs. */
  readonly memorySize: number;
  /** Explicit on purpose; queue visibility and custom-resource timeouts derive from it. */
  readonly timeout: Duration;
  /** Powertools service name (logs and metrics dimension). */
  readonly serviceName: string;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * A Lambda function with Syncline's defaults: Node.js 22 on arm64 (cheaper per GB-second, same
 * code), an explicit log group with retention (an implicit one keeps logs forever), ESM bundles
 * with source maps, and the `nango` module resolved to Syncline's SDK so integration scripts
 * written for Nango bundle unchanged.
 *
 * Its role starts empty and may write to its own log group only: not the managed
 * AWSLambdaBasicExecutionRole, whose `logs:*` rights reach every log group of the account
 * (cdk-nag AwsSolutions-IAM4). Every other right comes from the construct's explicit grants.
 *
 * Bundling runs the locally installed esbuild (no Docker), so `cdk synth` works offline.
 */
export class SynclineFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: SynclineFunctionProps) {
    const { entry, serviceName, logRetention, environment, ...rest } = props;
    // X-Ray is off by default (it costs per trace and adds IAM rights on `*`): `-c tracing=true` turns it on.
    const tracing = String(scope.node.tryGetContext('tracing') ?? '') === 'true';
    // The log group must exist before the function (it is passed in), so it lives beside it.
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, { retention: logRetention ?? logs.RetentionDays.ONE_MONTH });
    const role = new iam.Role(scope, `${id}Role`, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);

    super(scope, id, {
      ...rest,
      entry: `${REPO_ROOT}${entry}`,
      projectRoot: REPO_ROOT,
      depsLockFilePath: `${REPO_ROOT}package-lock.json`,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      logGroup,
      role,
      ...(tracing ? { tracing: lambda.Tracing.ACTIVE } : {}),
      environment: {
        NODE_OPTIONS: LAMBDA_NODE_OPTIONS,
        POWERTOOLS_SERVICE_NAME: serviceName,
        ...environment,
      },
      bundling: {
        // The options every bundle is built with, shared with the benchmark that measures them.
        // Integrations are discovered from their folders; the bundle gets them as static imports.
        // The console's files come built (the API function serves them; others never import them).
        ...nodejsBundlingOptions(lambdaBuildOptions(REPO_ROOT, { integrations: staticRegistry(), console: staticConsoleAssets() })),
        // The AWS SDK v3 is bundled, not taken from the runtime: the bundle runs the exact
        // version the tests ran, and a minified, tree-shaken bundle of the few clients used
        // loads faster on a cold start than resolving the runtime's full SDK from disk.
        externalModules: [],
        forceDockerBundling: false,
      },
    });
    if (tracing) {
      Validations.of(this).acknowledge({
        id: 'AwsSolutions-IAM5',
        reason: 'With -c tracing=true, Lambda active tracing needs xray:PutTraceSegments/PutTelemetryRecords, which X-Ray only grants on "*".',
      });
    }
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Node.js 22 is the house runtime (supported by Lambda into 2027), matching the bundle target `node22`; moving to a newer major is a deliberate upgrade, not a lint fix.',
    });
  }
}
