/**
 * Schedules as the integration definitions want them, reconciled against what the scheduler
 * holds — run at deploy time (CloudFormation custom resource) and read by the status API.
 *
 * Ownership rule: a schedule is Syncline's to change only while nobody touched it. Syncline
 * records the rate it set on the schedule (`managedRateExpression`); when the live rate differs,
 * a person re-rated it in the console and it is kept as is. A schedule a person disabled is
 * never re-enabled. A schedule without Syncline's marker was not made by Syncline and is
 * neither changed nor deleted.
 */
import { createHash } from 'node:crypto';
import { mapWithConcurrency } from './concurrency.js';
import { toRateExpression } from './frequency.js';
import type { IntegrationRegistry } from './integration.js';
import type { ScheduleInfo, ScheduleSpec, Scheduler } from './ports.js';
import { isBaseVariant } from './state-ports.js';

/** A per-connection frequency, as the state table holds it. */
export interface FrequencyOverride {
  providerConfigKey: string;
  syncName: string;
  connectionId: string;
  /** The sync variant the override belongs to; absent for the base variant. */
  variant?: string;
  frequencyMs: number;
}

export interface ReconcileDeps {
  registry: IntegrationRegistry;
  scheduler: Scheduler;
  overrides: () => AsyncIterable<FrequencyOverride>;
  /**
   * Rewrite the target of every untouched schedule even when its rate is right — set when the
   * fan-out function, the scheduler role or the DLQ changed, so no schedule points at the old one.
   */
  refreshTargets?: boolean;
  /** Scheduler calls in flight at once; EventBridge Scheduler throttles per account. @default 5 */
  concurrency?: number;
}

export type ScheduleAction = 'created' | 'updated' | 'unchanged' | 'kept' | 'deleted';

export interface ScheduleReport {
  name: string;
  action: ScheduleAction;
  enabled: boolean;
  /** The rate the schedule fires at after reconciling (null once deleted). */
  rateExpression: string | null;
  /** What the definitions ask for (null for a schedule no sync or override wants). */
  desiredRateExpression: string | null;
  note?: string;
}

/** EventBridge Scheduler's name rule: 1–64 of `[0-9a-zA-Z-_.]`. */
const NAME_MAX = 64;
const SAFE_NAME = /^[0-9A-Za-z._-]+$/;
/** Name parts that cannot be confused with the `.` separator. */
const PLAIN_PART = /^[0-9A-Za-z_-]+$/;
const HASH_CHARS = 10;
const MINUTE_MS = 60_000;

/**
 * `<integration>.<sync>[.<connection>]`, readable in the console. A part with characters
 * EventBridge refuses, a `.` that would make two different triples read alike, or a name over
 * 64 characters gets the deterministic form `<readable prefix>-<hash of the triple>`: still
 * recognisable, still unique. The target payload, not the name, is what the fan-out reads.
 *
 * A sync variant other than `base` always takes the hashed form, over all four parts, with
 * `<integration>.<sync>.<variant>.<connection>` as its readable prefix: `.` is the only character
 * EventBridge allows beyond those of sync and variant names, and a connection id may contain it,
 * so no plain form of a variant could be told from a base name with a dotted connection.
 */
export function scheduleName(integration: string, sync: string, connection?: string, variant?: string): string {
  const isVariant = !isBaseVariant(variant);
  const parts = connection === undefined ? [integration, sync] : [integration, sync, connection];
  const plain = parts.join('.');
  // Dots only in the last part: then `a.b` and `a.b.c` can never come from two different triples.
  const safe = PLAIN_PART.test(integration) && PLAIN_PART.test(sync) && (connection === undefined || SAFE_NAME.test(connection));
  if (!isVariant && safe && plain.length <= NAME_MAX) return plain;

  const hashed = isVariant ? [integration, sync, connection ?? null, variant] : parts;
  const hash = createHash('sha256').update(JSON.stringify(hashed)).digest('hex').slice(0, HASH_CHARS);
  const readableParts = isVariant ? [integration, sync, variant, ...(connection === undefined ? [] : [connection])] : parts;
  const readable = readableParts
    .join('.')
    .replace(/[^0-9A-Za-z._-]/g, '_')
    .slice(0, NAME_MAX - HASH_CHARS - 1);
  return `${readable}-${hash}`;
}

/** The schedule's state for the status API; a missing schedule never fires, which is drift. */
export function describeSchedule(info: ScheduleInfo | null, desiredRate: string): { enabled: boolean; rateExpression: string | null; drift: boolean } {
  if (!info) return { enabled: false, rateExpression: null, drift: true };
  return { enabled: info.enabled, rateExpression: info.rateExpression, drift: info.rateExpression !== desiredRate };
}

/**
 * A digest of what the schedules depend on (integration and sync names, frequencies). The
 * deploy step's resource carries it, so CloudFormation re-runs the step when a sync changes.
 */
export function scheduleDefinitionsHash(registry: IntegrationRegistry): string {
  const entries = registry
    .all()
    .flatMap((integration) => [...integration.syncs.values()].map((sync) => `${integration.providerConfigKey}.${sync.name}=${sync.frequencyMs}`))
    .sort();
  return createHash('sha256').update(entries.join('\n')).digest('hex').slice(0, 16);
}

interface Desired {
  spec: ScheduleSpec;
  note?: string;
}

/** Brings the scheduler's group in line with the definitions; one report per schedule touched or seen. */
export async function reconcileSchedules(deps: ReconcileDeps): Promise<ScheduleReport[]> {
  const desired = await desiredSchedules(deps.registry, deps.overrides);
  const existing = new Map((await deps.scheduler.list()).map((info) => [info.name, info]));
  const concurrency = deps.concurrency ?? 5;

  const forDesired = await mapWithConcurrency([...desired.values()], concurrency, (d) => reconcileOne(deps.scheduler, d, existing.get(d.spec.name) ?? null, deps.refreshTargets ?? false));
  const unwanted = [...existing.values()].filter((info) => !desired.has(info.name));
  const forUnwanted = await mapWithConcurrency(unwanted, concurrency, (info) => removeUnwanted(deps.scheduler, info));
  return [...forDesired, ...forUnwanted];
}

/** Deletes every schedule Syncline manages in the group (the deploy step's Delete). */
export async function removeManagedSchedules(scheduler: Scheduler, concurrency = 5): Promise<ScheduleReport[]> {
  return mapWithConcurrency(await scheduler.list(), concurrency, (info) => removeUnwanted(scheduler, info));
}

async function desiredSchedules(registry: IntegrationRegistry, overrides: () => AsyncIterable<FrequencyOverride>): Promise<Map<string, Desired>> {
  const desired = new Map<string, Desired>();
  const add = (d: Desired) => {
    // First claim wins; a clash needs a crafted id colliding with a 40-bit hash.
    if (!desired.has(d.spec.name)) desired.set(d.spec.name, d);
  };
  for (const integration of registry.all()) {
    for (const sync of integration.syncs.values()) {
      add({
        spec: {
          name: scheduleName(integration.providerConfigKey, sync.name),
          rateExpression: toRateExpression(sync.frequencyMs),
          target: { integration: integration.providerConfigKey, sync: sync.name },
        },
      });
    }
  }
  for await (const o of overrides()) {
    // An override of a sync that no longer exists wants no schedule; its old one is deleted.
    if (!registry.getSync(o.providerConfigKey, o.syncName)) continue;
    const minutes = Math.max(1, Math.ceil(o.frequencyMs / MINUTE_MS));
    const rounded = minutes * MINUTE_MS !== o.frequencyMs;
    add({
      spec: {
        name: scheduleName(o.providerConfigKey, o.syncName, o.connectionId, o.variant),
        rateExpression: toRateExpression(minutes * MINUTE_MS),
        target: scheduleTarget(o.providerConfigKey, o.syncName, o.connectionId, o.variant),
      },
      ...(rounded ? { note: `override of ${o.frequencyMs} ms rounded up to whole minutes (EventBridge's finest rate)` } : {}),
    });
  }
  return desired;
}

async function reconcileOne(scheduler: Scheduler, d: Desired, info: ScheduleInfo | null, refreshTargets: boolean): Promise<ScheduleReport> {
  const { spec } = d;
  const base = { name: spec.name, desiredRateExpression: spec.rateExpression };
  const withNotes = (report: ScheduleReport, ...notes: (string | undefined)[]): ScheduleReport => {
    const note = [report.note, ...notes].filter((n): n is string => !!n).join('; ');
    return note ? { ...report, note } : report;
  };

  if (!info) {
    await scheduler.create(spec);
    return withNotes({ ...base, action: 'created', enabled: true, rateExpression: spec.rateExpression }, d.note);
  }

  const current = { ...base, enabled: info.enabled, rateExpression: info.rateExpression };
  const disabledNote = info.enabled ? undefined : 'disabled in the console; left disabled';
  if (info.managedRateExpression === null) {
    return withNotes({ ...current, action: 'kept' }, 'not created by Syncline; left as is', disabledNote);
  }
  if (info.rateExpression !== info.managedRateExpression) {
    return withNotes({ ...current, action: 'kept', note: 'console re-rate' }, disabledNote);
  }

  const rateDiffers = info.rateExpression !== spec.rateExpression;
  const targetDiffers = !sameTarget(info.target, spec.target);
  if (rateDiffers || targetDiffers || refreshTargets) {
    await scheduler.updateRate(spec);
    const why = rateDiffers ? undefined : targetDiffers ? 'target updated' : 'target refreshed';
    return withNotes({ ...current, action: 'updated', rateExpression: spec.rateExpression }, why, d.note, disabledNote);
  }
  return withNotes({ ...current, action: disabledNote ? 'kept' : 'unchanged' }, d.note, disabledNote);
}

async function removeUnwanted(scheduler: Scheduler, info: ScheduleInfo): Promise<ScheduleReport> {
  const base = { name: info.name, desiredRateExpression: null };
  if (info.managedRateExpression === null) {
    return { ...base, action: 'kept', enabled: info.enabled, rateExpression: info.rateExpression, note: 'not created by Syncline; left as is' };
  }
  await scheduler.delete(info.name);
  return {
    ...base,
    action: 'deleted',
    enabled: false,
    rateExpression: null,
    note: info.rateExpression !== info.managedRateExpression ? 'no sync or override wants it (it had a console re-rate)' : 'no sync or override wants it',
  };
}

/** What a per-connection schedule hands the fan-out: the variant only when it is not `base`. */
export function scheduleTarget(integration: string, sync: string, connection: string, variant?: string): ScheduleSpec['target'] {
  return isBaseVariant(variant) ? { integration, sync, connection } : { integration, sync, connection, variant };
}

function sameTarget(a: ScheduleSpec['target'], b: ScheduleSpec['target']): boolean {
  return a.integration === b.integration && a.sync === b.sync && (a.connection ?? null) === (b.connection ?? null) && (a.variant ?? null) === (b.variant ?? null);
}
