/**
 * Per-connection schedules of sync variants: EventBridge-valid names that no base schedule can
 * share, a target that names the variant (so the fan-out runs the right one), through the
 * reconciler, the EventBridge adapter and the local scheduler.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateScheduleCommand, GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { EventBridgeScheduler } from '../../../functions/adapters/scheduler/eventbridge-scheduler.js';
import { RunMessageSchema } from '../../../functions/handlers/queue/executor-handler.js';
import { FanOutEventSchema } from '../../../functions/handlers/schedule/fan-out-handler.js';
import { defineIntegration, IntegrationRegistry } from '../../../functions/engine/integration.js';
import type { FanOutEvent } from '../../../functions/engine/ports.js';
import { reconcileSchedules, scheduleName, type FrequencyOverride } from '../../../functions/engine/schedules.js';
import { createSync } from '../../../functions/engine/sync-definition.js';
import { LocalScheduler } from '../../../functions/local/local-scheduler.js';
import { ContactSchema } from '../../support/contacts.js';
import { MemoryScheduler } from '../../support/memory-scheduler.js';

const EVENTBRIDGE_NAME = /^[0-9A-Za-z._-]{1,64}$/;

describe('scheduleName of a sync variant', () => {
  it('is EventBridge-valid, deterministic, readable and distinct from every base name', () => {
    const eu = scheduleName('crm', 'contacts', 'acme', 'eu');
    expect(eu).toMatch(EVENTBRIDGE_NAME);
    expect(eu).toMatch(/^crm\.contacts\.eu\.acme-[0-9a-f]{10}$/);
    expect(scheduleName('crm', 'contacts', 'acme', 'eu')).toBe(eu);
    // A base connection named as if it carried the variant does not get the same name.
    expect(scheduleName('crm', 'contacts', 'eu.acme')).not.toBe(eu);
    expect(scheduleName('crm', 'contacts', 'acme', 'us')).not.toBe(eu);
    expect(scheduleName('crm', 'contacts', 'acme', 'base')).toBe(scheduleName('crm', 'contacts', 'acme'));
    for (const odd of [scheduleName('crm', 'contacts', 'user@acme.com', 'x'.repeat(255)), scheduleName('crm', 'contacts', 'c'.repeat(255), 'eu')]) expect(odd).toMatch(EVENTBRIDGE_NAME);
  });
});

describe('reconciling a variant override', () => {
  const registry = new IntegrationRegistry([
    defineIntegration({
      providerConfigKey: 'crm',
      provider: { baseUrl: 'http://127.0.0.1:9', auth: { mode: 'NONE' } },
      syncs: { contacts: createSync({ frequency: 'every hour', syncType: 'full', models: { Contact: ContactSchema }, exec: async () => undefined }) },
    }),
  ]);

  it('creates its own schedule whose target names the variant, beside the base override of the same connection', async () => {
    const scheduler = new MemoryScheduler();
    const overrides: FrequencyOverride[] = [
      { providerConfigKey: 'crm', syncName: 'contacts', connectionId: 'acme', frequencyMs: 600_000 },
      { providerConfigKey: 'crm', syncName: 'contacts', connectionId: 'acme', variant: 'eu', frequencyMs: 300_000 },
    ];

    await reconcileSchedules({
      registry,
      scheduler,
      overrides: async function* () {
        yield* overrides;
      },
    });

    expect(scheduler.schedules.get(scheduleName('crm', 'contacts', 'acme', 'eu'))).toMatchObject({
      rateExpression: 'rate(5 minutes)',
      target: { integration: 'crm', sync: 'contacts', connection: 'acme', variant: 'eu' },
    });
    expect(scheduler.schedules.get('crm.contacts.acme')).toMatchObject({ rateExpression: 'rate(10 minutes)', target: { integration: 'crm', sync: 'contacts', connection: 'acme' } });
    expect(scheduler.schedules.get('crm.contacts.acme')!.target).not.toHaveProperty('variant');
  });
});

describe('the schedulers carry the variant to the fan-out', () => {
  it('EventBridge: the target input names the variant, and reading it back keeps it', async () => {
    const mock = mockClient(SchedulerClient);
    mock.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn' });
    const scheduler = new EventBridgeScheduler({ client: new SchedulerClient({ region: 'eu-west-1' }), groupName: 'syncline', targetArn: 'arn:fan-out', roleArn: 'arn:role' });
    const target = { integration: 'crm', sync: 'contacts', connection: 'acme', variant: 'eu' };

    await scheduler.create({ name: 'n', rateExpression: 'rate(5 minutes)', target });

    const input = mock.commandCalls(CreateScheduleCommand)[0]!.args[0].input.Target!.Input!;
    expect(JSON.parse(input)).toEqual({ ...target, scheduledAt: '<aws.scheduler.scheduled-time>' });
    mock
      .on(GetScheduleCommand)
      .resolves({ Name: 'n', ScheduleExpression: 'rate(5 minutes)', Description: 'syncline managed-rate=rate(5 minutes)', State: 'ENABLED', Target: { Arn: 'a', RoleArn: 'r', Input: input } });
    expect(await scheduler.get('n')).toMatchObject({ target, managedRateExpression: 'rate(5 minutes)' });
    mock.restore();
  });

  it('local: a firing hands the fan-out the variant', async () => {
    const fired: FanOutEvent[] = [];
    let now = Date.parse('2026-01-01T00:00:00Z');
    const scheduler = new LocalScheduler({ file: join(await mkdtemp(join(tmpdir(), 'syncline-sched-')), 'schedules.json'), fire: async (event) => void fired.push(event), now: () => now });
    await scheduler.create({
      name: scheduleName('crm', 'contacts', 'acme', 'eu'),
      rateExpression: 'rate(5 minutes)',
      target: { integration: 'crm', sync: 'contacts', connection: 'acme', variant: 'eu' },
    });

    now += 5 * 60_000;
    await scheduler.tick(now);

    expect(fired).toEqual([{ integration: 'crm', sync: 'contacts', connection: 'acme', variant: 'eu', scheduledAt: '2026-01-01T00:05:00Z' }]);
    await scheduler.stop();
  });
});

describe('the handlers read the variant from their inputs', () => {
  it('the fan-out input and the run message keep a well-formed variant and refuse another', () => {
    const event = { integration: 'crm', sync: 'contacts', connection: 'acme', variant: 'eu', scheduledAt: '2026-01-01T00:05:00Z' };
    expect(FanOutEventSchema.parse(event)).toEqual(event);
    expect(FanOutEventSchema.safeParse({ ...event, variant: 'a#b' }).success).toBe(false);
    const message = { providerConfigKey: 'crm', connectionId: 'acme', syncName: 'contacts', variant: 'eu', runId: 'r-1', trigger: 'MANUAL' };
    expect(RunMessageSchema.parse(message)).toEqual(message);
    expect(RunMessageSchema.safeParse({ ...message, variant: '' }).success).toBe(false);
  });
});
