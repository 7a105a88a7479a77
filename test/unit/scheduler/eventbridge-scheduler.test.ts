import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
  type GetScheduleOutput,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EventBridgeScheduler } from '../../../functions/adapters/scheduler/eventbridge-scheduler.js';

const FAN_OUT = 'arn:aws:lambda:eu-west-1:123456789012:function:fan-out';
const ROLE = 'arn:aws:iam::123456789012:role/scheduler';
const DLQ = 'arn:aws:sqs:eu-west-1:123456789012:scheduler-dlq';

const mock = mockClient(SchedulerClient);
const notFound = () => new ResourceNotFoundException({ Message: 'Schedule not found', message: 'Schedule not found', $metadata: {} });

function makeScheduler(extra: { deadLetterArn?: string } = {}) {
  return new EventBridgeScheduler({ client: new SchedulerClient({ region: 'eu-west-1' }), groupName: 'syncline', targetArn: FAN_OUT, roleArn: ROLE, ...extra });
}

/** A schedule as GetSchedule returns one that Syncline created. */
function stored(overrides: Partial<GetScheduleOutput> = {}): GetScheduleOutput {
  return {
    Name: 'crm.contacts',
    GroupName: 'syncline',
    ScheduleExpression: 'rate(5 minutes)',
    Description: 'syncline managed-rate=rate(5 minutes)',
    State: 'ENABLED',
    FlexibleTimeWindow: { Mode: 'OFF' },
    Target: { Arn: FAN_OUT, RoleArn: ROLE, Input: '{"integration":"crm","sync":"contacts","scheduledAt":"<aws.scheduler.scheduled-time>"}' },
    ...overrides,
  };
}

beforeEach(() => mock.reset());

describe('EventBridgeScheduler.create', () => {
  it('creates an enabled schedule in the group, on the dot, recording the managed rate', async () => {
    mock.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn' });

    await makeScheduler({ deadLetterArn: DLQ }).create({ name: 'crm.contacts.acme', rateExpression: 'rate(30 minutes)', target: { integration: 'crm', sync: 'contacts', connection: 'acme' } });

    const input = mock.commandCalls(CreateScheduleCommand)[0]!.args[0].input;
    expect(input).toEqual({
      Name: 'crm.contacts.acme',
      GroupName: 'syncline',
      ScheduleExpression: 'rate(30 minutes)',
      Description: 'syncline managed-rate=rate(30 minutes)',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: FAN_OUT,
        RoleArn: ROLE,
        Input: expect.any(String),
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 300 },
        DeadLetterConfig: { Arn: DLQ },
      },
    });
    expect(JSON.parse(input.Target!.Input!)).toEqual({ integration: 'crm', sync: 'contacts', connection: 'acme', scheduledAt: '<aws.scheduler.scheduled-time>' });
  });

  it('omits the connection and the DLQ when there are none', async () => {
    mock.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn' });

    await makeScheduler().create({ name: 'crm.contacts', rateExpression: 'rate(5 minutes)', target: { integration: 'crm', sync: 'contacts' } });

    const target = mock.commandCalls(CreateScheduleCommand)[0]!.args[0].input.Target!;
    expect(JSON.parse(target.Input!)).toEqual({ integration: 'crm', sync: 'contacts', scheduledAt: '<aws.scheduler.scheduled-time>' });
    expect(target.DeadLetterConfig).toBeUndefined();
  });
});

describe('EventBridgeScheduler.get', () => {
  it('reads rate, state, managed rate and target', async () => {
    mock.on(GetScheduleCommand, { Name: 'crm.contacts', GroupName: 'syncline' }).resolves(stored({ ScheduleExpression: 'rate(1 hour)', State: 'DISABLED' }));

    expect(await makeScheduler().get('crm.contacts')).toEqual({
      name: 'crm.contacts',
      rateExpression: 'rate(1 hour)',
      enabled: false,
      managedRateExpression: 'rate(5 minutes)',
      target: { integration: 'crm', sync: 'contacts' },
    });
  });

  it('returns null for a missing schedule', async () => {
    mock.on(GetScheduleCommand).rejects(notFound());

    expect(await makeScheduler().get('nope')).toBeNull();
  });

  it('reads a hand-made schedule (no marker, foreign input) as unmanaged', async () => {
    mock.on(GetScheduleCommand).resolves(stored({ Description: 'nightly report', Target: { Arn: FAN_OUT, RoleArn: ROLE, Input: '{"hello":1}' } }));

    expect(await makeScheduler().get('crm.contacts')).toMatchObject({ managedRateExpression: null, target: { integration: '', sync: '' } });
  });

  it('propagates other errors', async () => {
    mock.on(GetScheduleCommand).rejects(new Error('throttled'));

    await expect(makeScheduler().get('crm.contacts')).rejects.toThrow('throttled');
  });
});

describe('EventBridgeScheduler.list', () => {
  it('pages through the group and reads each schedule, skipping one deleted meanwhile', async () => {
    mock
      .on(ListSchedulesCommand, { GroupName: 'syncline' })
      .resolvesOnce({ Schedules: [{ Name: 'crm.contacts' }, { Name: 'crm.gone' }], NextToken: 't1' })
      .resolvesOnce({ Schedules: [{ Name: 'crm.notes' }] });
    mock.on(GetScheduleCommand, { Name: 'crm.contacts' }).resolves(stored());
    mock.on(GetScheduleCommand, { Name: 'crm.gone' }).rejects(notFound());
    mock
      .on(GetScheduleCommand, { Name: 'crm.notes' })
      .resolves(stored({ Name: 'crm.notes', Target: { Arn: FAN_OUT, RoleArn: ROLE, Input: '{"integration":"crm","sync":"notes","scheduledAt":"x"}' } }));

    const infos = await makeScheduler().list();

    expect(infos.map((i) => i.name)).toEqual(['crm.contacts', 'crm.notes']);
    expect(mock.commandCalls(ListSchedulesCommand)[1]!.args[0].input).toMatchObject({ GroupName: 'syncline', NextToken: 't1' });
  });
});

describe('EventBridgeScheduler.updateRate', () => {
  it('writes back every field a person may have set, keeping the disabled state', async () => {
    const start = new Date('2026-01-01T00:00:00Z');
    mock
      .on(GetScheduleCommand)
      .resolves(
        stored({ State: 'DISABLED', ScheduleExpressionTimezone: 'Europe/Paris', StartDate: start, KmsKeyArn: 'arn:aws:kms:k', FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 5 } }),
      );
    mock.on(UpdateScheduleCommand).resolves({ ScheduleArn: 'arn' });

    await makeScheduler().updateRate({ name: 'crm.contacts', rateExpression: 'rate(15 minutes)', target: { integration: 'crm', sync: 'contacts' } });

    expect(mock.commandCalls(UpdateScheduleCommand)[0]!.args[0].input).toMatchObject({
      Name: 'crm.contacts',
      GroupName: 'syncline',
      ScheduleExpression: 'rate(15 minutes)',
      Description: 'syncline managed-rate=rate(15 minutes)',
      State: 'DISABLED',
      ScheduleExpressionTimezone: 'Europe/Paris',
      StartDate: start,
      KmsKeyArn: 'arn:aws:kms:k',
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 5 },
      Target: { Arn: FAN_OUT, RoleArn: ROLE, RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 300 } },
    });
  });

  it('does nothing when the schedule is gone', async () => {
    mock.on(GetScheduleCommand).rejects(notFound());

    await makeScheduler().updateRate({ name: 'crm.contacts', rateExpression: 'rate(15 minutes)', target: { integration: 'crm', sync: 'contacts' } });

    expect(mock.commandCalls(UpdateScheduleCommand)).toHaveLength(0);
  });
});

describe('EventBridgeScheduler.delete', () => {
  it('deletes in the group and treats a missing schedule as deleted', async () => {
    mock.on(DeleteScheduleCommand).rejectsOnce(notFound()).resolves({});
    const scheduler = makeScheduler();

    await scheduler.delete('crm.gone');
    await scheduler.delete('crm.contacts');

    expect(mock.commandCalls(DeleteScheduleCommand).map((c) => c.args[0].input)).toEqual([
      { Name: 'crm.gone', GroupName: 'syncline' },
      { Name: 'crm.contacts', GroupName: 'syncline' },
    ]);
  });

  it('propagates other errors', async () => {
    mock.on(DeleteScheduleCommand).rejects(new Error('AccessDenied'));

    await expect(makeScheduler().delete('crm.contacts')).rejects.toThrow('AccessDenied');
  });
});
