/** Sync controls (`/sync/*`) as in Nango's API reference, plus Syncline's cancel and executions. */
import * as z from 'zod';
import { isValidVariantName, MAX_VARIANT_LENGTH, VariantNameSchema } from '../../engine/state-ports.js';
import { listParam } from '../route.js';
import { ConnectionId, ProviderConfigKey, SyncName } from '../schemas.js';

/** A sync variant's name, as Nango validates it (the engine's one rule); `base` names the default variant. */
export const VariantName = VariantNameSchema.meta({ description: 'Sync variant; "base" is the default one' });
/** A sync name, or `name::variant` as Nango's clients write a variant, the variant held to the same rule. */
const SyncRefText = z
  .string()
  .min(1)
  .max(128 + 2 + MAX_VARIANT_LENGTH)
  .refine((text) => !text.includes('::') || isValidVariantName(text.slice(text.indexOf('::') + 2)), `the variant after "::" must be 1–${MAX_VARIANT_LENGTH} letters, digits, "_" or "-"`);

/** Nango accepts sync names (`name::variant` for a variant) or `{name, variant}` objects; an empty list means every sync and variant. */
export const SyncsField = z.array(z.union([SyncRefText, z.object({ name: SyncName, variant: VariantName.optional() }).strict()])).max(100);

/** `Provider-Config-Key` / `Connection-Id` may come as headers instead of body fields. */
export const OptionalConnectionHeaders = z.object({
  'Provider-Config-Key': ProviderConfigKey.optional(),
  'Connection-Id': ConnectionId.optional(),
});

const ControlFields = {
  syncs: SyncsField,
  provider_config_key: ProviderConfigKey.optional().meta({ description: 'Required here or as the Provider-Config-Key header' }),
  connection_id: ConnectionId.optional().meta({ description: 'Omit to act on every connection of the integration' }),
};

export const TriggerBody = z
  .object({
    ...ControlFields,
    opts: z
      .object({
        reset: z.boolean().optional().meta({ description: 'Forget lastSyncDate and the checkpoint, then run' }),
        emptyCache: z.boolean().optional().meta({ description: 'With reset: also delete the cached records first' }),
        acceptMassDeletion: z.boolean().optional().meta({
          description:
            'Syncline extra: let this one run delete what its full refresh did not see, even past the mass-deletion guard (after a run was refused with DeletionRefusedError and the deletion is real)',
        }),
      })
      .strict()
      .optional(),
    sync_mode: z.enum(['incremental', 'full_refresh', 'full_refresh_and_clear_cache']).optional(),
    full_resync: z.boolean().optional().meta({ deprecated: true, description: 'Deprecated: same as sync_mode full_refresh' }),
  })
  .strict();

export const StartPauseBody = z.object(ControlFields).strict();

export const StatusQuery = z.object({
  provider_config_key: ProviderConfigKey,
  syncs: listParam(SyncRefText, { commaSeparated: true, max: 100 }).meta({ description: 'Comma-separated sync names (syncName::variantName for a variant), or * for every sync and variant' }),
  connection_id: ConnectionId.optional(),
});

const Counts = z.object({ added: z.number().int(), updated: z.number().int(), deleted: z.number().int() });
const StatusName = z.enum(['RUNNING', 'PAUSED', 'STOPPED', 'SUCCESS', 'ERROR']);

export const SyncStatusSchema = z.object({
  id: z.string(),
  connection_id: z.string(),
  name: z.string(),
  variant: z.string().meta({ description: 'The sync variant; "base" unless one was created' }),
  status: StatusName,
  type: z.enum(['INITIAL', 'INCREMENTAL']).nullable(),
  finishedAt: z.string().nullable(),
  nextScheduledSyncAt: z.string().nullable(),
  frequency: z.string(),
  latestResult: z.record(z.string(), Counts).nullable(),
  latestExecutionStatus: StatusName.nullable(),
  recordCount: z.record(z.string(), z.number().int()),
  checkpoint: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).nullable(),
  schedule: z
    .object({ name: z.string(), enabled: z.boolean(), rateExpression: z.string(), changedInConsole: z.boolean() })
    .nullable()
    .meta({ description: 'Syncline extra: the EventBridge schedule as it is, including console changes' }),
});

export const StatusResponse = z.object({ syncs: z.array(SyncStatusSchema) });

export const FrequencyBody = z
  .object({
    provider_config_key: ProviderConfigKey,
    connection_id: ConnectionId,
    sync_name: SyncName,
    sync_variant: VariantName.optional(),
    frequency: z.string().min(1).max(64).nullable().meta({ description: 'e.g. "every hour"; at least one minute (EventBridge Scheduler\'s finest rate); null reverts to the sync\'s own frequency' }),
  })
  .strict();

export const FrequencyResponse = z.object({ frequency: z.string() });

export const CancelBody = z.object({ provider_config_key: ProviderConfigKey, connection_id: ConnectionId, sync_name: SyncName, sync_variant: VariantName.optional() }).strict();
export const CancelResponse = z.object({
  success: z.literal(true),
  cancelled: z.boolean(),
  execution_id: z.string().nullable().meta({ description: 'The execution that was stopped, or null when none was running' }),
});

export const ExecutionsQuery = z.object({
  provider_config_key: ProviderConfigKey,
  connection_id: ConnectionId,
  sync_name: SyncName,
  sync_variant: VariantName.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const ExecutionSchema = z.object({
  id: z.string(),
  status: z.enum(['RUNNING', 'SUCCESS', 'ERROR', 'CANCELLED']),
  type: z.enum(['INITIAL', 'INCREMENTAL']),
  trigger: z.enum(['SCHEDULE', 'MANUAL', 'CONTINUATION']),
  started_at: z.string(),
  finished_at: z.string().nullable(),
  invocations: z.number().int(),
  results: z.record(z.string(), Counts),
  error: z.object({ type: z.string(), message: z.string() }).nullable(),
  logs: z.array(z.object({ at: z.string(), level: z.enum(['debug', 'info', 'warn', 'error']), message: z.string() })),
});

export const ExecutionsResponse = z.object({ executions: z.array(ExecutionSchema) });

export const VariantPath = z
  .object({
    name: SyncName,
    // Checked by the engine, so a malformed or protected name gets Nango's `invalid_variant`.
    variant: z.string().min(1).max(1024),
  })
  .strict();

export const VariantBody = z.object({ provider_config_key: ProviderConfigKey, connection_id: ConnectionId }).strict();

export const VariantCreatedResponse = z.object({
  id: z.string().meta({ description: 'The connection-sync id, as GET /sync/status reports it' }),
  name: z.string(),
  variant: z.string(),
});
