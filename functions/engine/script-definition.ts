/**
 * The other script kinds of a Nango project: actions (`createAction`, run on demand with an
 * input) and on-event scripts (`createOnEvent`, run on a connection's lifecycle events). They are
 * declared and discovered like syncs. Actions run through the actions engine
 * (`engine/actions/`: `POST /action/trigger`, synchronously or queued); on-event scripts are
 * listed by discovery but not run yet.
 */
import type * as z from 'zod';
import type { MaybePromise, NangoAction, ZodCheckpoint, ZodMetadata } from './sdk/nango-sync-types.js';

export interface CreateActionConfig<Input extends z.ZodType, Output extends z.ZodType, Metadata extends ZodMetadata = undefined, Checkpoint extends ZodCheckpoint = undefined> {
  description: string;
  version?: string;
  endpoint?: { method?: string; path: string; group?: string };
  input: Input;
  output: Output;
  metadata?: Metadata;
  checkpoint?: Checkpoint;
  scopes?: string[];
  exec: (nango: NangoAction<Metadata, Checkpoint>, input: z.output<Input>) => MaybePromise<z.input<Output>>;
}

export type DeclaredAction<Input extends z.ZodType = any, Output extends z.ZodType = any, Metadata extends ZodMetadata = any, Checkpoint extends ZodCheckpoint = any> = CreateActionConfig<
  Input,
  Output,
  Metadata,
  Checkpoint
> & { readonly type: 'action' };

export function createAction<Input extends z.ZodType, Output extends z.ZodType, Metadata extends ZodMetadata = undefined, Checkpoint extends ZodCheckpoint = undefined>(
  config: CreateActionConfig<Input, Output, Metadata, Checkpoint>,
): DeclaredAction<Input, Output, Metadata, Checkpoint> {
  return { ...config, type: 'action' };
}

export type ConnectionEvent = 'post-connection-creation' | 'pre-connection-deletion' | 'validate-connection';

export interface CreateOnEventConfig<Metadata extends ZodMetadata = undefined, Checkpoint extends ZodCheckpoint = undefined> {
  description: string;
  version?: string;
  event: ConnectionEvent;
  metadata?: Metadata;
  checkpoint?: Checkpoint;
  exec: (nango: NangoAction<Metadata, Checkpoint>) => MaybePromise<void>;
}

export type DeclaredOnEvent<Metadata extends ZodMetadata = any, Checkpoint extends ZodCheckpoint = any> = CreateOnEventConfig<Metadata, Checkpoint> & { readonly type: 'onEvent' };

export function createOnEvent<Metadata extends ZodMetadata = undefined, Checkpoint extends ZodCheckpoint = undefined>(
  config: CreateOnEventConfig<Metadata, Checkpoint>,
): DeclaredOnEvent<Metadata, Checkpoint> {
  return { ...config, type: 'onEvent' };
}

export function isDeclaredAction(value: unknown): value is DeclaredAction {
  return isTyped(value, 'action') && typeof (value as { exec?: unknown }).exec === 'function';
}

export function isDeclaredOnEvent(value: unknown): value is DeclaredOnEvent {
  return isTyped(value, 'onEvent') && typeof (value as { exec?: unknown }).exec === 'function';
}

function isTyped(value: unknown, type: string): boolean {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === type;
}
