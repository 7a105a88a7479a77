import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { defineIntegration, IntegrationRegistry } from '../../../functions/engine/integration.js';
import type { ScheduleInfo, ScheduleSpec, Scheduler } from '../../../functions/engine/ports.js';
import {
  describeSchedule,
  reconcileSchedules,
  removeManagedSchedules,
  scheduleDefinitionsHash,
  scheduleName,
  type FrequencyOverride,
  type ScheduleReport,
} from '../../../functions/engine/schedules.js';
import { createSync } from '../../../functions/engine/sync-definition.js';

/** The port in memory, with a log of the calls that changed something. */
class FakeScheduler implements Scheduler {
  readonly schedules = new Map<string, ScheduleInfo>();
  readonly calls: string[] = [];

  async get(name: string) {
    const info = this.schedules.get(name);
    return info ? structuredClone(info) : null;
  }
  async list() {
    return [...this.schedules.values()].map((info) => structuredClone(info));
  }
  async create(spec: ScheduleSpec) {
    this.calls.push(`create ${spec.name} ${spec.rateExpression}`);
    this.schedules.set(spec.name, { name: spec.name, rateExpression: spec.rateExpression, enabled: true, managedRateExpression: spec.rateExpression, target: spec.target });
  }
  async updateRate(spec: ScheduleSpec) {
    this.calls.push(`update ${spec.name} ${spec.rateExpression}`);
    const info = this.schedules.get(spec.name);
    if (info) this.schedules.set(spec.name, { ...info, rateExpression: spec.rateExpression, managedRateExpression: spec.rateExpression, target: spec.target });
  }
  async delete(name: string) {
    this.calls.push(`delete ${name}`);
    this.schedules.delete(name);
  }

  /** What a person does in the console. */
  consoleEdit(name: string, change: Partial<Pick<ScheduleInfo, 'rateExpression' | 'enabled'>>) {
    const info = this.schedules.get(name);
    if (!info) throw new Error(`no schedule ${name}`);
    this.schedules.set(name, { ...info, ...change });
  }
}

const sync = (frequency: string) => createSync({ frequency, models: { [`M${Math.random().toString(36).slice(2, 8)}`]: z.object({ id: z.string() }) }, exec: async () => {} });

function registryWith(syncs: Record<string, string>, key = 'crm') {
  return new IntegrationRegistry([
    defineIntegration({
      providerConfigKey: key,
      provider: { baseUrl: 'https://api.example.com', auth: { mode: 'API_KEY' } },
      syncs: Object.fromEntries(Object.entries(syncs).map(([name, frequency]) => [name, sync(frequency)])),
    }),
  ]);
}

const overridesOf = (...items: FrequencyOverride[]) =>
  async function* () {
    yield* items;
  };
const none = overridesOf();

const byName = (reports: ScheduleReport[]) => Object.fromEntries(reports.map((r) => [r.name, r]));

describe('scheduleName', () => {
  it('reads <integration>.<sync>[.<connection>] when every part is plain', () => {
    expect(scheduleName('demo-crm', 'contacts')).toBe('demo-crm.contacts');
    expect(scheduleName('demo-crm', 'contacts', 'acme_1.eu')).toBe('demo-crm.contacts.acme_1.eu');
  });

  it('keeps a readable prefix and adds a hash for odd or long connection ids, within 1–64 safe chars', () => {
    const odd = scheduleName('demo-crm', 'contacts', 'user@acme.com');
    const long = scheduleName('demo-crm', 'contacts', 'c'.repeat(80));

    for (const name of [odd, long]) {
      expect(name).toMatch(/^[0-9A-Za-z._-]{1,64}$/);
      expect(name.startsWith('demo-crm.contacts.')).toBe(true);
    }
    expect(odd).toMatch(/^demo-crm\.contacts\.user_acme\.com-[0-9a-f]{10}$/);
    expect(scheduleName('demo-crm', 'contacts', 'user@acme.com')).toBe(odd);
  });

  it('gives different names to ids that sanitize or truncate alike', () => {
    expect(scheduleName('crm', 'contacts', 'a@b')).not.toBe(scheduleName('crm', 'contacts', 'a#b'));
    expect(scheduleName('crm', 'contacts', `${'x'.repeat(70)}1`)).not.toBe(scheduleName('crm', 'contacts', `${'x'.repeat(70)}2`));
  });

  it('hashes a dotted sync name so it cannot read like another sync plus a connection', () => {
    expect(scheduleName('crm', 'a.b')).not.toBe(scheduleName('crm', 'a', 'b'));
  });
});

describe('describeSchedule', () => {
  const info: ScheduleInfo = { name: 'crm.contacts', rateExpression: 'rate(5 minutes)', enabled: true, managedRateExpression: 'rate(5 minutes)', target: { integration: 'crm', sync: 'contacts' } };

  it('reports no drift when the schedule fires at the desired rate', () => {
    expect(describeSchedule(info, 'rate(5 minutes)')).toEqual({ enabled: true, rateExpression: 'rate(5 minutes)', drift: false });
  });

  it('reports drift for a console re-rate and for a missing schedule', () => {
    expect(describeSchedule({ ...info, rateExpression: 'rate(1 hour)', enabled: false }, 'rate(5 minutes)')).toEqual({ enabled: false, rateExpression: 'rate(1 hour)', drift: true });
    expect(describeSchedule(null, 'rate(5 minutes)')).toEqual({ enabled: false, rateExpression: null, drift: true });
  });
});

describe('reconcileSchedules', () => {
  it('creates one schedule per sync at its rate on the first deploy', async () => {
    const scheduler = new FakeScheduler();

    const reports = await reconcileSchedules({ registry: registryWith({ contacts: 'every 5 minutes', notes: 'every hour' }), scheduler, overrides: none });

    expect(reports).toEqual([
      { name: 'crm.contacts', action: 'created', enabled: true, rateExpression: 'rate(5 minutes)', desiredRateExpression: 'rate(5 minutes)' },
      { name: 'crm.notes', action: 'created', enabled: true, rateExpression: 'rate(1 hour)', desiredRateExpression: 'rate(1 hour)' },
    ]);
    expect(scheduler.schedules.get('crm.notes')?.target).toEqual({ integration: 'crm', sync: 'notes' });
  });

  it('creates a schedule per connection override, its target naming the connection', async () => {
    const scheduler = new FakeScheduler();

    const reports = await reconcileSchedules({
      registry: registryWith({ contacts: 'every 5 minutes' }),
      scheduler,
      overrides: overridesOf({ providerConfigKey: 'crm', syncName: 'contacts', connectionId: 'acme', frequencyMs: 30 * 60_000 }),
    });

    expect(byName(reports)['crm.contacts.acme']).toMatchObject({ action: 'created', rateExpression: 'rate(30 minutes)' });
    expect(scheduler.schedules.get('crm.contacts.acme')?.target).toEqual({ integration: 'crm', sync: 'contacts', connection: 'acme' });
  });

  it('changes nothing on a second deploy with the same definitions', async () => {
    const scheduler = new FakeScheduler();
    const deps = { registry: registryWith({ contacts: 'every 5 minutes' }), scheduler, overrides: none };
    await reconcileSchedules(deps);
    scheduler.calls.length = 0;

    const reports = await reconcileSchedules(deps);

    expect(scheduler.calls).toEqual([]);
    expect(reports).toEqual([{ name: 'crm.contacts', action: 'unchanged', enabled: true, rateExpression: 'rate(5 minutes)', desiredRateExpression: 'rate(5 minutes)' }]);
  });

  it('re-rates an untouched schedule when the sync frequency changes', async () => {
    const scheduler = new FakeScheduler();
    await reconcileSchedules({ registry: registryWith({ contacts: 'every 5 minutes' }), scheduler, overrides: none });

    const reports = await reconcileSchedules({ registry: registryWith({ contacts: 'every 15 minutes' }), scheduler, overrides: none });

    expect(reports[0]).toMatchObject({ action: 'updated', rateExpression: 'rate(15 minutes)', desiredRateExpression: 'rate(15 minutes)' });
    expect(scheduler.schedules.get('crm.contacts')?.rateExpression).toBe('rate(15 minutes)');
  });

  it('keeps a console re-rate and reports it, even when the definitions change', async () => {
    const scheduler = new FakeScheduler();
    await reconcileSchedules({ registry: registryWith({ contacts: 'every 5 minutes' }), scheduler, overrides: none });
    scheduler.consoleEdit('crm.contacts', { rateExpression: 'rate(1 hour)' });
    scheduler.calls.length = 0;

    const reports = await reconcileSchedules({ registry: registryWith({ contacts: 'every 15 minutes' }), scheduler, overrides: none });

    expect(scheduler.calls).toEqual([]);
    expect(reports[0]).toEqual({ name: 'crm.contacts', action: 'kept', enabled: true, rateExpression: 'rate(1 hour)', desiredRateExpression: 'rate(15 minutes)', note: 'console re-rate' });
  });

  it('never re-enables a schedule a person disabled, but still follows a new frequency', async () => {
    const scheduler = new FakeScheduler();
    await reconcileSchedules({ registry: registryWith({ contacts: 'every 5 minutes' }), scheduler, overrides: none });
    scheduler.consoleEdit('crm.contacts', { enabled: false });

    const same = await reconcileSchedules({ registry: registryWith({ contacts: 'every 5 minutes' }), scheduler, overrides: none });
    const rerated = await reconcileSchedules({ registry: registryWith({ contacts: 'every 10 minutes' }), scheduler, overrides: none });

    expect(same[0]).toMatchObject({ action: 'kept', enabled: false, note: 'disabled in the console; left disabled' });
    expect(rerated[0]).toMatchObject({ action: 'updated', enabled: false, rateExpression: 'rate(10 minutes)' });
    expect(scheduler.schedules.get('crm.contacts')?.enabled).toBe(false);
  });

  it('deletes managed schedules no sync or override wants, and leaves hand-made ones alone', async () => {
    const scheduler = new FakeScheduler();
    await reconcileSchedules({
      registry: registryWith({ contacts: 'every 5 minutes', notes: 'every hour' }),
      scheduler,
      overrides: overridesOf({ providerConfigKey: 'crm', syncName: 'contacts', connectionId: 'acme', frequencyMs: 60_000 }),
    });
    scheduler.schedules.set('by-hand', { name: 'by-hand', rateExpression: 'rate(1 day)', enabled: true, managedRateExpression: null, target: { integration: '', sync: '' } });

    const reports = byName(await reconcileSchedules({ registry: registryWith({ contacts: 'every 5 minutes' }), scheduler, overrides: none }));

    expect(reports['crm.notes']).toMatchObject({ action: 'deleted', desiredRateExpression: null });
    expect(reports['crm.contacts.acme']).toMatchObject({ action: 'deleted' });
    expect(reports['by-hand']).toMatchObject({ action: 'kept', note: 'not created by Syncline; left as is' });
    expect([...scheduler.schedules.keys()].sort()).toEqual(['by-hand', 'crm.contacts']);
  });

  it('ignores overrides of syncs that no longer exist and rounds odd overrides up to whole minutes', async () => {
    const scheduler = new FakeScheduler();

    const reports = byName(
      await reconcileSchedules({
        registry: registryWith({ contacts: 'every 5 minutes' }),
        scheduler,
        overrides: overridesOf(
          { providerConfigKey: 'crm', syncName: 'gone', connectionId: 'acme', frequencyMs: 60_000 },
          { providerConfigKey: 'crm', syncName: 'contacts', connectionId: 'acme', frequencyMs: 90_000 },
        ),
      }),
    );

    expect(reports['crm.gone.acme']).toBeUndefined();
    expect(reports['crm.contacts.acme']).toMatchObject({ action: 'created', rateExpression: 'rate(2 minutes)' });
    expect(reports['crm.contacts.acme']?.note).toMatch(/rounded up/);
  });

  it('rewrites untouched targets when asked (the fan-out was replaced), never a console re-rate', async () => {
    const scheduler = new FakeScheduler();
    await reconcileSchedules({ registry: registryWith({ contacts: 'every 5 minutes', notes: 'every hour' }), scheduler, overrides: none });
    scheduler.consoleEdit('crm.notes', { rateExpression: 'rate(2 hours)' });
    scheduler.calls.length = 0;

    const reports = byName(await reconcileSchedules({ registry: registryWith({ contacts: 'every 5 minutes', notes: 'every hour' }), scheduler, overrides: none, refreshTargets: true }));

    expect(scheduler.calls).toEqual(['update crm.contacts rate(5 minutes)']);
    expect(reports['crm.contacts']).toMatchObject({ action: 'updated', note: 'target refreshed' });
    expect(reports['crm.notes']).toMatchObject({ action: 'kept' });
  });
});

describe('removeManagedSchedules', () => {
  it('deletes only what Syncline manages', async () => {
    const scheduler = new FakeScheduler();
    await reconcileSchedules({ registry: registryWith({ contacts: 'every 5 minutes' }), scheduler, overrides: none });
    scheduler.schedules.set('by-hand', { name: 'by-hand', rateExpression: 'rate(1 day)', enabled: true, managedRateExpression: null, target: { integration: '', sync: '' } });

    const reports = await removeManagedSchedules(scheduler);

    expect(reports.map((r) => `${r.name} ${r.action}`).sort()).toEqual(['by-hand kept', 'crm.contacts deleted']);
    expect([...scheduler.schedules.keys()]).toEqual(['by-hand']);
  });
});

describe('scheduleDefinitionsHash', () => {
  it('changes with a frequency or a sync name, not with declaration order', () => {
    const base = scheduleDefinitionsHash(registryWith({ contacts: 'every 5 minutes', notes: 'every hour' }));

    expect(scheduleDefinitionsHash(registryWith({ notes: 'every hour', contacts: 'every 5 minutes' }))).toBe(base);
    expect(scheduleDefinitionsHash(registryWith({ contacts: 'every 10 minutes', notes: 'every hour' }))).not.toBe(base);
    expect(scheduleDefinitionsHash(registryWith({ people: 'every 5 minutes', notes: 'every hour' }))).not.toBe(base);
  });
});
