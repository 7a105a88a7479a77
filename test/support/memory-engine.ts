/**
 * The runner over in-memory ports, with a clock and timers the test moves by hand: runner rules
 * (lease, deadline, continuations, the mass-deletion guard, cancel races) tested in
 * milliseconds, with no DynamoDB and no sleeps.
 */
import { randomUUID } from 'node:crypto';
import type { Connection } from '../../functions/engine/connection.js';
import { defineIntegration, IntegrationRegistry } from '../../functions/engine/integration.js';
import { handleRunMessage } from '../../functions/engine/orchestration/handle-run-message.js';
import type { Clock, LogLevel, RunMessage } from '../../functions/engine/ports.js';
import type { Timers } from '../../functions/engine/runner/lease-keeper.js';
import { runInvocation, type RunnerDeps, type RunRequest } from '../../functions/engine/runner/run-invocation.js';
import type { RunnerConfig } from '../../functions/engine/runner/runner-config.js';
import type { NangoSync } from '../../functions/engine/sdk/nango-sync-types.js';
import { createSync, type DeclaredSync } from '../../functions/engine/sync-definition.js';
import { ContactSchema, type Contact } from './contacts.js';
import { MemoryRecordStore } from './memory-record-store.js';
import { makeMemoryState, type MemoryHooks } from './memory-state.js';
import { MemoryRunQueue } from './memory-queue.js';

export class ManualClock implements Clock {
  constructor(private at = Date.parse('2026-01-01T00:00:00Z')) {}
  now(): number {
    return this.at;
  }
  advance(ms: number): void {
    this.at += ms;
  }
}

/** Interval timers that fire only when the test says so. */
export class ManualTimers implements Timers {
  readonly active = new Map<number, () => void>();
  private next = 0;
  setInterval(callback: () => void): unknown {
    this.active.set(++this.next, callback);
    return this.next;
  }
  clearInterval(handle: unknown): void {
    this.active.delete(handle as number);
  }
  fire(): void {
    for (const callback of this.active.values()) callback();
  }
}

export const PROVIDER = 'memory-crm';
export const CONNECTION = 'acme';

export interface MemorySource {
  contacts: Contact[];
  exec: (nango: NangoSync) => Promise<void>;
}

/** `syncs`: more syncs for the test integration, beside `contacts` and `scripted`. */
export function makeMemoryEngine(config: Partial<RunnerConfig> = {}, hooks: MemoryHooks = {}, syncs: Record<string, DeclaredSync> = {}) {
  const clock = new ManualClock();
  const timers = new ManualTimers();
  const state = makeMemoryState(clock, hooks);
  const records = new MemoryRecordStore(() => clock.now());
  const queue = new MemoryRunQueue();
  const source: MemorySource = { contacts: [], exec: async () => undefined };
  const logs: { level: LogLevel; message: string }[] = [];
  const registry = new IntegrationRegistry([
    defineIntegration({
      providerConfigKey: PROVIDER,
      provider: { baseUrl: 'http://127.0.0.1:9', auth: { mode: 'NONE' } },
      syncs: {
        contacts: createSync({
          autoStart: true,
          frequency: 'every hour',
          syncType: 'full',
          trackDeletes: true,
          models: { Contact: ContactSchema },
          exec: async (nango) => {
            for (let i = 0; i < source.contacts.length; i += 100) await nango.batchSave(source.contacts.slice(i, i + 100), 'Contact');
          },
        }),
        scripted: createSync({
          autoStart: true,
          frequency: 'every hour',
          syncType: 'incremental',
          models: { Item: ContactSchema },
          exec: async (nango) => source.exec(nango as unknown as NangoSync),
        }),
        ...syncs,
      },
    }),
  ]);
  const deps: RunnerDeps & { queue: MemoryRunQueue } = {
    registry,
    records,
    state,
    clock,
    timers,
    queue,
    config: { indexSettleMs: 0, ...config },
    newId: () => `run-${randomUUID()}`,
    logger: { log: (level: LogLevel, message: string) => void logs.push({ level, message }) },
  };
  const now = new Date(clock.now()).toISOString();
  const connection: Connection = {
    providerConfigKey: PROVIDER,
    connectionId: CONNECTION,
    credentials: { type: 'NONE' },
    metadata: {},
    connectionConfig: {},
    createdAt: now,
    updatedAt: now,
  };
  void state.connections.put(connection);
  const key = (syncName: string) => ({ providerConfigKey: PROVIDER, connectionId: CONNECTION, syncName });
  const run = (syncName: string, extra: Partial<RunRequest> = {}) => runInvocation(deps, { ...key(syncName), trigger: 'MANUAL', owner: `owner-${randomUUID()}`, ...extra });
  /** Queues one run and works the queue like the executor, each invocation `invocationMs` long, until it is empty. */
  const runToEnd = async (syncName: string, invocationMs: number | null, message: Partial<RunMessage> = {}) => {
    await queue.send([{ ...key(syncName), runId: deps.newId(), trigger: 'MANUAL', ...message }]);
    const outcomes = [];
    for (let messages = queue.take(); messages.length > 0; messages = queue.take()) {
      for (const next of messages) {
        outcomes.push(await handleRunMessage(deps, next, { owner: `owner-${randomUUID()}`, deadline: invocationMs === null ? null : clock.now() + invocationMs }));
      }
    }
    return outcomes;
  };
  return { clock, timers, state, records, queue, source, logs, registry, deps, key, run, runToEnd };
}

export type MemoryEngine = ReturnType<typeof makeMemoryEngine>;
