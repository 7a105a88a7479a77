/*
 * cdk-nag's AwsSolutions pack over the synthesized Syncline stack.
 *
 * cdk-nag 3.x, not the 2.x line: v3 (peer aws-cdk-lib ^2.257, installed 2.276) is no longer an
 * IAspect but a CDK policy-validation plugin. That is what `aspect.visit is not a function` meant:
 * `Aspects.of(app).add(new AwsSolutionsChecks())` hands a plugin to the aspect machinery. In v3 it
 * is `Validations.of(app).addPlugins(new AwsSolutionsChecks(app))` (checked at `cdk synth`), and
 * suppressions are CDK's own `Validations.of(construct).acknowledge({id, reason})` (v2's
 * `NagSuppressions` is gone), written beside the resource they excuse. Here the pack runs through
 * `validateScope`, which returns the report instead of failing a synth, so a failure names the
 * rule and the construct.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { SynclineStack } from '../../infra/syncline-stack.js';

type Report = ReturnType<AwsSolutionsChecks['validateScope']>;

/** One line per unacknowledged error: `rule construct-path`. */
function errorsOf(report: Report): string[] {
  return report.violations.filter((v) => v.severity === 'error').flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath}`));
}

// Synthesizing bundles every function with esbuild: once for the file.
let app: App;
let stack: SynclineStack;
beforeAll(() => {
  app = new App();
  stack = new SynclineStack(app, 'Nag', { alarmEmail: 'ops@example.com' });
  app.synth();
}, 120_000);

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged error on the Syncline stack', () => {
    const report = new AwsSolutionsChecks(app).validateScope(stack);

    expect(errorsOf(report)).toEqual([]);
  });

  it('reports a queue without a DLQ and without enforced SSL in a throwaway stack', () => {
    const scratch = new Stack(new App(), 'Scratch');
    new sqs.Queue(scratch, 'Careless', { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: false });

    const errors = errorsOf(new AwsSolutionsChecks().validateScope(scratch));

    expect(errors).toEqual(expect.arrayContaining(['AwsSolutions-SQS3 Scratch/Careless/Resource', 'AwsSolutions-SQS4 Scratch/Careless/Resource']));
  });

  it('still reports a rule the stack acknowledges elsewhere when it is not acknowledged on the resource', () => {
    // The stack acknowledges SQS3 on its two non-redrive DLQs only: a new queue beside them is caught.
    const queue = new sqs.Queue(stack.webhooks, 'Stray', { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true });

    const errors = errorsOf(new AwsSolutionsChecks().validateScope(stack));

    expect(errors).toEqual([`AwsSolutions-SQS3 ${queue.node.path}/Resource`]);
  });
});
