/**
 * The local stand-in for EventBridge Scheduler: keeps Syncline's schedules in a JSON file and
 * fires the fan-out at each schedule's rate, with `scheduledAt` as EventBridge fills in
 * `<aws.scheduler.scheduled-time>`.
 *
 * Timing follows EventBridge Scheduler: a rate schedule without a StartDate "starts invoking
 * its target immediately" (Scheduler user guide, "Schedule types"), then every period, with
 * 60-second precision. So the fire times are `anchor + k × period` (k ≥ 0), where the anchor is
 * the creation time (or the last rate change, which replaces the schedule) floored to the
 * minute. A process that was down fires each schedule at most once on start, for the latest
 * missed time — no burst of catch-up runs. A schedule re-enabled after a pause resumes at its
 * next fire time, like a console re-enable.
 *
 * Over the usual 300 lines on purpose: it is one stand-in whose persistence, timing and
 * console-change rules only make sense together, and splitting them would scatter one contract.
 *
 * Mirrors the real adapter (`adapters/scheduler/eventbridge-scheduler.ts`): create refuses an
 * existing name, updateRate of a missing schedule and delete of a missing one do nothing.
 * `setEnabled` and `setRate` are what a person does in the console; they never touch
 * `managedRateExpression`, so the reconciler sees the change as a person's.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import * as z from 'zod';
import type { FanOutEvent, Logger, ScheduleInfo, ScheduleSpec, Scheduler } from '../engine/ports.js';

export interface LocalSchedulerOptions {
  /** The JSON file the schedules live in; created on the first change. */
  file: string;
  /** Invokes the fan-out (locally: the fan-out Lambda handler). */
  fire: (event: FanOutEvent) => Promise<unknown>;
  now?: () => number;
  log?: Logger;
}

export class ScheduleConflictError extends Error {
  override readonly name = 'ScheduleConflictError';
}

export class ScheduleNotFoundError extends Error {
  override readonly name = 'ScheduleNotFoundError';
}

const MINUTE_MS = 60_000;
const UNIT_MS: Record<string, number> = { minute: MINUTE_MS, hour: 60 * MINUTE_MS, day: 1_440 * MINUTE_MS };
const RATE_PATTERN = /^rate\(\s*([1-9]\d*)\s+(minute|hour|day)s?\s*\)$/;
/** EventBridge Scheduler's name rule: 1–64 of `[0-9a-zA-Z-_.]`. */
const NAME_PATTERN = /^[0-9A-Za-z._-]{1,64}$/;
/** Timers are re-armed at least this often: setTimeout cannot wait longer than ~24.8 days. */
const MAX_TIMER_MS = 3_600_000;

const StoredSchedule = z.object({
  name: z.string(),
  rateExpression: z.string(),
  enabled: z.boolean(),
  managedRateExpression: z.string().nullable(),
  target: z.object({ integration: z.string(), sync: z.string(), connection: z.string().optional(), variant: z.string().optional() }),
  /** Start of the rate grid, ms: creation or the last rate change, floored to the minute. */
  anchorAt: z.number(),
  /** Planned time of the last firing, ms; null before the first one. */
  lastFiredFor: z.number().nullable(),
});
type StoredSchedule = z.infer<typeof StoredSchedule>;

const StoreFile = z.object({ version: z.literal(1), schedules: z.array(StoredSchedule) });

/** Milliseconds of a `rate(N minute|minutes|hour|hours|day|days)` expression. */
export function parseRateExpression(expression: string): number {
  const match = RATE_PATTERN.exec(expression.trim());
  if (!match) throw new Error(`"${expression}" is not a rate expression the local scheduler understands (rate(N minutes|hours|days))`);
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}

/** ISO time with seconds and no milliseconds, as EventBridge writes a scheduled time. */
export function formatScheduledTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class LocalScheduler implements Scheduler {
  private readonly now: () => number;
  private schedules: Map<string, StoredSchedule> | undefined;
  private loading: Promise<Map<string, StoredSchedule>> | undefined;
  private writing: Promise<void> = Promise.resolve();
  private ticking: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private started = false;

  constructor(private readonly options: LocalSchedulerOptions) {
    this.now = options.now ?? Date.now;
  }

  async get(name: string): Promise<ScheduleInfo | null> {
    const schedule = (await this.load()).get(name);
    return schedule ? toInfo(schedule) : null;
  }

  async list(): Promise<ScheduleInfo[]> {
    return [...(await this.load()).values()].map(toInfo);
  }

  async create(spec: ScheduleSpec): Promise<void> {
    const schedules = await this.load();
    if (!NAME_PATTERN.test(spec.name)) throw new Error(`Schedule name "${spec.name}" breaks EventBridge's rule: 1–64 of [0-9a-zA-Z-_.]`);
    parseRateExpression(spec.rateExpression);
    if (schedules.has(spec.name)) throw new ScheduleConflictError(`Schedule ${spec.name} already exists`);
    schedules.set(spec.name, {
      name: spec.name,
      rateExpression: spec.rateExpression,
      enabled: true,
      managedRateExpression: spec.rateExpression,
      target: copyTarget(spec.target),
      anchorAt: floorToMinute(this.now()),
      lastFiredFor: null,
    });
    await this.changed();
  }

  async updateRate(spec: ScheduleSpec): Promise<void> {
    const schedule = (await this.load()).get(spec.name);
    if (!schedule) return; // deleted meanwhile (e.g. by a person), as in the real adapter
    this.rerate(schedule, spec.rateExpression);
    schedule.managedRateExpression = spec.rateExpression;
    schedule.target = copyTarget(spec.target);
    await this.changed();
  }

  async delete(name: string): Promise<void> {
    if ((await this.load()).delete(name)) await this.changed();
  }

  /** A person disabling or re-enabling the schedule in the console. */
  async setEnabled(name: string, enabled: boolean): Promise<void> {
    const schedule = await this.require(name);
    if (enabled && !schedule.enabled) {
      // Times missed while disabled are skipped; a time falling exactly now still fires.
      const lastMissed = latestFireTime(schedule, this.now() - 1);
      if (lastMissed !== null && lastMissed > (schedule.lastFiredFor ?? -Infinity)) schedule.lastFiredFor = lastMissed;
    }
    schedule.enabled = enabled;
    await this.changed();
  }

  /** A person re-rating the schedule in the console: `managedRateExpression` stays as Syncline set it. */
  async setRate(name: string, rateExpression: string): Promise<void> {
    this.rerate(await this.require(name), rateExpression);
    await this.changed();
  }

  /** The next time the schedule fires (ms; at most now when a firing is due), or null if disabled or unknown. */
  nextFireTime(name: string): number | null {
    const schedule = this.schedules?.get(name);
    return schedule ? nextFireTime(schedule, this.now()) : null;
  }

  /** Loads the file, fires what is due (at most once per schedule) and keeps firing on time. */
  async start(): Promise<void> {
    await this.load();
    this.started = true;
    await this.tick();
  }

  /** Stops the timer and waits for a firing in progress and pending writes. */
  async stop(): Promise<void> {
    this.started = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.ticking.catch(() => undefined);
    await this.writing.catch(() => undefined);
  }

  /**
   * Fires every enabled schedule whose latest fire time at `now` has not fired yet, with that
   * time as `scheduledAt`. Tests call it with an injected clock; `start()` drives it by timer.
   */
  tick(now: number = this.now()): Promise<void> {
    const run = this.ticking.catch(() => undefined).then(() => this.fireDue(now));
    this.ticking = run;
    return run;
  }

  private async fireDue(now: number): Promise<void> {
    const schedules = await this.load();
    const firings: Array<{ name: string; event: FanOutEvent }> = [];
    for (const schedule of schedules.values()) {
      if (!schedule.enabled) continue;
      const due = latestFireTime(schedule, now);
      if (due === null || due <= (schedule.lastFiredFor ?? -Infinity)) continue;
      // Marked before firing: a slow fan-out is never fired twice for one time.
      schedule.lastFiredFor = due;
      firings.push({ name: schedule.name, event: { ...copyTarget(schedule.target), scheduledAt: formatScheduledTime(due) } });
    }
    // Armed before any I/O: a slow write or fan-out never delays the next fire time.
    this.arm();
    if (firings.length > 0) await this.persist();
    // Like EventBridge with its retries exhausted, a failed firing is logged, not repeated:
    // the next fire time comes soon and a repeated fan-out is harmless anyway.
    await Promise.all(
      firings.map(async ({ name, event }) => {
        try {
          await this.options.fire(event);
          this.options.log?.log('debug', 'schedule fired', { schedule: name, scheduledAt: event.scheduledAt });
        } catch (error) {
          this.options.log?.log('error', 'schedule firing failed', { schedule: name, scheduledAt: event.scheduledAt, error: String(error) });
        }
      }),
    );
  }

  /** Sets the timer for the earliest next fire time; unref'd so it never keeps the process alive. */
  private arm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.started || this.schedules === undefined) return;
    const now = this.now();
    let earliest = Infinity;
    for (const schedule of this.schedules.values()) earliest = Math.min(earliest, nextFireTime(schedule, now) ?? Infinity);
    if (earliest === Infinity) return;
    const delay = Math.min(Math.max(0, earliest - now), MAX_TIMER_MS);
    this.timer = setTimeout(() => {
      this.tick().catch((error: unknown) => this.options.log?.log('error', 'local scheduler tick failed', { error: String(error) }));
    }, delay);
    this.timer.unref();
  }

  private rerate(schedule: StoredSchedule, rateExpression: string): void {
    parseRateExpression(rateExpression);
    if (schedule.rateExpression === rateExpression) return;
    // A rate change replaces the schedule (UpdateSchedule): the grid restarts from now.
    schedule.rateExpression = rateExpression;
    schedule.anchorAt = floorToMinute(this.now());
  }

  private async require(name: string): Promise<StoredSchedule> {
    const schedule = (await this.load()).get(name);
    if (!schedule) throw new ScheduleNotFoundError(`Schedule ${name} does not exist`);
    return schedule;
  }

  private async changed(): Promise<void> {
    await this.persist();
    this.arm();
  }

  private load(): Promise<Map<string, StoredSchedule>> {
    return (this.loading ??= this.readFile().then((schedules) => (this.schedules = schedules)));
  }

  private async readFile(): Promise<Map<string, StoredSchedule>> {
    let text: string;
    try {
      text = await readFile(this.options.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      throw error;
    }
    // A damaged file is an error, not an empty scheduler: silently dropping a person's
    // disabled or re-rated schedules would be worse than stopping.
    const parsed = StoreFile.safeParse(safeJson(text));
    if (!parsed.success) throw new Error(`${this.options.file} is not a valid local schedule file: ${z.prettifyError(parsed.error)}`);
    return new Map(parsed.data.schedules.map((schedule) => [schedule.name, schedule]));
  }

  /** Writes a snapshot atomically (temp file + rename), one write at a time, in call order. */
  private persist(): Promise<void> {
    const snapshot = JSON.stringify({ version: 1, schedules: [...(this.schedules ?? new Map()).values()] }, null, 2);
    const file = this.options.file;
    this.writing = this.writing
      .catch(() => undefined) // a failed earlier write was reported to its caller
      .then(async () => {
        await mkdir(dirname(file), { recursive: true });
        await writeFile(`${file}.tmp`, `${snapshot}\n`, 'utf8');
        await rename(`${file}.tmp`, file);
      });
    return this.writing;
  }
}

/** The latest fire time at or before `now`, or null before the first one. */
function latestFireTime(schedule: StoredSchedule, now: number): number | null {
  if (now < schedule.anchorAt) return null;
  const period = parseRateExpression(schedule.rateExpression);
  return schedule.anchorAt + Math.floor((now - schedule.anchorAt) / period) * period;
}

function nextFireTime(schedule: StoredSchedule, now: number): number | null {
  if (!schedule.enabled) return null;
  const latest = latestFireTime(schedule, now);
  if (latest === null) return schedule.anchorAt;
  if (latest > (schedule.lastFiredFor ?? -Infinity)) return latest; // due, not fired yet
  return latest + parseRateExpression(schedule.rateExpression);
}

function floorToMinute(ms: number): number {
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}

function copyTarget(target: ScheduleSpec['target']): ScheduleSpec['target'] {
  const { integration, sync, connection, variant } = target;
  return { integration, sync, ...(connection === undefined ? {} : { connection }), ...(variant === undefined ? {} : { variant }) };
}

function toInfo(schedule: StoredSchedule): ScheduleInfo {
  return {
    name: schedule.name,
    rateExpression: schedule.rateExpression,
    enabled: schedule.enabled,
    managedRateExpression: schedule.managedRateExpression,
    target: copyTarget(schedule.target),
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
