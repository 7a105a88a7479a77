/**
 * The local EventBridge Scheduler stand-in, driven by an injected clock and `tick(now)`:
 * fire times on the rate grid from creation, console changes (disable, re-rate) respected,
 * and schedules plus firing progress surviving a restart through the JSON file.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FanOutEvent, LogLevel } from '../../../functions/engine/ports.js';
import { LocalScheduler, ScheduleConflictError, ScheduleNotFoundError, parseRateExpression } from '../../../functions/local/local-scheduler.js';

const at = (iso: string): number => Date.parse(iso);

let dir: string;
let file: string;
let clock: number;
let fired: FanOutEvent[];
let logged: Array<{ level: LogLevel; message: string }>;
const running: LocalScheduler[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'syncline-scheduler-'));
  file = join(dir, 'state', 'schedules.json');
  clock = at('2026-11-26T10:00:30.500Z');
  fired = [];
  logged = [];
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((scheduler) => scheduler.stop()));
  await rm(dir, { recursive: true, force: true });
});

function makeScheduler(fire: (event: FanOutEvent) => Promise<void> = async (event) => void fired.push(event)): LocalScheduler {
  const scheduler = new LocalScheduler({
    file,
    fire,
    now: () => clock,
    log: { log: (level, message) => logged.push({ level, message }) },
  });
  running.push(scheduler);
  return scheduler;
}

/** Moves the injected clock and lets the scheduler act on it. */
async function advanceTo(scheduler: LocalScheduler, iso: string): Promise<void> {
  clock = at(iso);
  await scheduler.tick(clock);
}

const crmContacts = { name: 'demo-crm.contacts', rateExpression: 'rate(5 minutes)', target: { integration: 'demo-crm', sync: 'contacts' } };

describe('LocalScheduler', () => {
  it('fires at creation (as EventBridge does without a StartDate) and then every period, with the planned time', async () => {
    const scheduler = makeScheduler();
    await scheduler.create(crmContacts);

    await scheduler.tick(clock);
    await advanceTo(scheduler, '2026-11-26T10:04:59.999Z');
    expect(fired).toEqual([{ integration: 'demo-crm', sync: 'contacts', scheduledAt: '2026-11-26T10:00:00Z' }]);
    expect(scheduler.nextFireTime('demo-crm.contacts')).toBe(at('2026-11-26T10:05:00Z'));

    await advanceTo(scheduler, '2026-11-26T10:05:00.000Z');
    await advanceTo(scheduler, '2026-11-26T10:05:40.000Z');
    expect(fired.map((e) => e.scheduledAt)).toEqual(['2026-11-26T10:00:00Z', '2026-11-26T10:05:00Z']);

    // A long gap (a laptop asleep) fires once, for the latest missed time: no burst.
    await advanceTo(scheduler, '2026-11-26T10:27:10.000Z');
    expect(fired.map((e) => e.scheduledAt)).toEqual(['2026-11-26T10:00:00Z', '2026-11-26T10:05:00Z', '2026-11-26T10:25:00Z']);
    expect(scheduler.nextFireTime('demo-crm.contacts')).toBe(at('2026-11-26T10:30:00Z'));
  });

  it('passes the connection of a per-connection schedule to the fan-out', async () => {
    const scheduler = makeScheduler();
    await scheduler.create({
      name: 'demo-crm.contacts.acme',
      rateExpression: 'rate(1 hour)',
      target: { integration: 'demo-crm', sync: 'contacts', connection: 'acme' },
    });

    await scheduler.tick(clock);
    await advanceTo(scheduler, '2026-11-26T11:00:00Z');

    expect(fired).toEqual([
      { integration: 'demo-crm', sync: 'contacts', connection: 'acme', scheduledAt: '2026-11-26T10:00:00Z' },
      { integration: 'demo-crm', sync: 'contacts', connection: 'acme', scheduledAt: '2026-11-26T11:00:00Z' },
    ]);
  });

  it('does not fire a disabled schedule, and resumes at the next fire time when re-enabled', async () => {
    const scheduler = makeScheduler();
    await scheduler.create(crmContacts);
    await scheduler.setEnabled('demo-crm.contacts', false);

    await scheduler.tick(clock);
    await advanceTo(scheduler, '2026-11-26T10:05:00Z');
    await advanceTo(scheduler, '2026-11-26T10:12:00Z');
    expect(fired).toEqual([]);
    expect(scheduler.nextFireTime('demo-crm.contacts')).toBeNull();
    expect(await scheduler.get('demo-crm.contacts')).toMatchObject({ enabled: false });

    await scheduler.setEnabled('demo-crm.contacts', true);
    await scheduler.tick(clock);
    expect(fired).toEqual([]); // 10:00, 10:05 and 10:10 were missed while disabled
    await advanceTo(scheduler, '2026-11-26T10:15:00Z');
    expect(fired.map((e) => e.scheduledAt)).toEqual(['2026-11-26T10:15:00Z']);
  });

  it('keeps managedRateExpression on a console re-rate, and records it on updateRate without re-enabling', async () => {
    const scheduler = makeScheduler();
    await scheduler.create(crmContacts);
    await scheduler.tick(clock);

    clock = at('2026-11-26T10:02:10Z');
    await scheduler.setRate('demo-crm.contacts', 'rate(1 hour)');
    expect(await scheduler.get('demo-crm.contacts')).toEqual({
      ...crmContacts,
      rateExpression: 'rate(1 hour)',
      enabled: true,
      managedRateExpression: 'rate(5 minutes)',
    });
    // The new rate runs from the change, like an UpdateSchedule without a StartDate.
    await scheduler.tick(clock);
    await advanceTo(scheduler, '2026-11-26T10:10:00Z');
    expect(fired.map((e) => e.scheduledAt)).toEqual(['2026-11-26T10:00:00Z', '2026-11-26T10:02:00Z']);
    expect(scheduler.nextFireTime('demo-crm.contacts')).toBe(at('2026-11-26T11:02:00Z'));

    await scheduler.setEnabled('demo-crm.contacts', false);
    await scheduler.updateRate({ ...crmContacts, rateExpression: 'rate(10 minutes)' });
    expect(await scheduler.get('demo-crm.contacts')).toMatchObject({
      rateExpression: 'rate(10 minutes)',
      managedRateExpression: 'rate(10 minutes)',
      enabled: false,
    });
  });

  it('keeps schedules, console changes and firing progress across a restart, firing at most once for the downtime', async () => {
    const first = makeScheduler();
    await first.create(crmContacts);
    await first.create({ name: 'demo-crm.deals', rateExpression: 'rate(1 day)', target: { integration: 'demo-crm', sync: 'deals' } });
    await first.create({
      name: 'demo-crm.contacts.acme',
      rateExpression: 'rate(1 minute)',
      target: { integration: 'demo-crm', sync: 'contacts', connection: 'acme' },
    });
    await first.setEnabled('demo-crm.deals', false);
    await first.setRate('demo-crm.contacts.acme', 'rate(2 minutes)');
    await first.start();
    await first.stop();
    const before = await first.list();
    expect(fired).toHaveLength(2); // the two enabled schedules, at creation

    // Down for 40 minutes.
    clock = at('2026-11-26T10:40:05Z');
    fired = [];
    const second = makeScheduler();
    expect(await second.list()).toEqual(before);
    await second.start();
    await second.stop();

    expect(fired.sort((a, b) => a.sync.localeCompare(b.sync) || (a.connection ?? '').localeCompare(b.connection ?? ''))).toEqual([
      { integration: 'demo-crm', sync: 'contacts', scheduledAt: '2026-11-26T10:40:00Z' },
      { integration: 'demo-crm', sync: 'contacts', connection: 'acme', scheduledAt: '2026-11-26T10:40:00Z' },
    ]);
    expect(await second.get('demo-crm.contacts.acme')).toMatchObject({ rateExpression: 'rate(2 minutes)', managedRateExpression: 'rate(1 minute)' });

    // A quick restart within the same period fires nothing again.
    fired = [];
    const third = makeScheduler();
    await third.start();
    await third.stop();
    expect(fired).toEqual([]);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ version: 1 });
  });

  it('once started, fires on its own timer at each fire time', async () => {
    vi.useFakeTimers({ now: clock, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const scheduler = new LocalScheduler({ file, fire: async (event) => void fired.push(event) });
      running.push(scheduler);
      await scheduler.create(crmContacts);
      await scheduler.start();

      await vi.advanceTimersByTimeAsync(at('2026-11-26T10:10:00Z') - Date.now());
      await scheduler.stop(); // waits for a firing the timer started

      expect(fired.map((e) => e.scheduledAt)).toEqual(['2026-11-26T10:00:00Z', '2026-11-26T10:05:00Z', '2026-11-26T10:10:00Z']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses a damaged schedule file instead of starting empty', async () => {
    const scheduler = makeScheduler();
    await scheduler.create(crmContacts);
    await writeFile(file, '{"version": 1, "schedules": [{"name": 3}]}');

    await expect(makeScheduler().list()).rejects.toThrow(/not a valid local schedule file/);
  });

  it('mirrors the real adapter on conflicts and missing schedules, and rejects what EventBridge rejects', async () => {
    const scheduler = makeScheduler();
    await scheduler.create(crmContacts);

    await expect(scheduler.create(crmContacts)).rejects.toBeInstanceOf(ScheduleConflictError);
    await expect(scheduler.create({ ...crmContacts, name: 'has space' })).rejects.toThrow(/name/);
    await expect(scheduler.create({ ...crmContacts, name: 'x', rateExpression: 'rate(30 seconds)' })).rejects.toThrow(/rate expression/);
    await expect(scheduler.setEnabled('missing', false)).rejects.toBeInstanceOf(ScheduleNotFoundError);
    await expect(scheduler.updateRate({ ...crmContacts, name: 'missing' })).resolves.toBeUndefined();
    await scheduler.delete('missing');
    await scheduler.delete('demo-crm.contacts');
    expect(await scheduler.list()).toEqual([]);
    expect(scheduler.nextFireTime('demo-crm.contacts')).toBeNull();
  });

  it('logs a failed firing and still fires the other schedules', async () => {
    const scheduler = makeScheduler(async (event) => {
      if (event.sync === 'deals') throw new Error('fan-out down');
      fired.push(event);
    });
    await scheduler.create(crmContacts);
    await scheduler.create({ name: 'demo-crm.deals', rateExpression: 'rate(5 minutes)', target: { integration: 'demo-crm', sync: 'deals' } });

    await scheduler.tick(clock);

    expect(fired.map((e) => e.sync)).toEqual(['contacts']);
    expect(logged).toContainEqual({ level: 'error', message: 'schedule firing failed' });
  });
});

describe('parseRateExpression', () => {
  it.each([
    ['rate(1 minute)', 60_000],
    ['rate(5 minutes)', 300_000],
    ['rate(1 hour)', 3_600_000],
    ['rate(12 hours)', 43_200_000],
    ['rate(2 days)', 172_800_000],
  ])('%s is %i ms', (expression, ms) => {
    expect(parseRateExpression(expression)).toBe(ms);
  });

  it.each(['rate(0 minutes)', 'rate(5 seconds)', 'cron(0 * * * ? *)', 'every 5 minutes'])('rejects %s', (expression) => {
    expect(() => parseRateExpression(expression)).toThrow();
  });
});
