/** Actions (`/action/*`) as in Nango's API reference, plus Syncline's execution history. */
import * as z from 'zod';
import { ConnectionHeaders, ConnectionId, ProviderConfigKey, SyncName } from '../schemas.js';

/** Nango's `X-Async` is a string boolean; anything but true/false (any case) is a 400. */
const StringBoolean = z
  .string()
  .transform((value) => value.trim().toLowerCase())
  .pipe(z.enum(['true', 'false', '1', '0']))
  .transform((value) => value === 'true' || value === '1');

export const TriggerHeaders = ConnectionHeaders.extend({
  'X-Async': StringBoolean.optional().meta({ description: 'true: queue the action and answer 202 with {id, statusUrl} at once' }),
  'X-Max-Retries': z.coerce.number().int().min(0).max(5).optional().meta({ description: 'Retries of a failed asynchronous action (0–5, default 0)' }),
});

export const TriggerBody = z
  .object({
    action_name: SyncName.meta({ description: 'The action to run' }),
    input: z.unknown().optional().meta({ description: "The action's input, validated with its input schema before it runs" }),
  })
  .strict();

export const AsyncActionResponse = z.object({
  id: z.string().meta({ description: 'The execution id' }),
  statusUrl: z.string().meta({ description: 'Where the result will be: GET it (`/action/<id>`)' }),
});

export const ActionOutput = z.unknown().meta({ description: 'What the action returned, as its output schema says' });

export const ActionErrorResponse = z.object({
  error: z.object({
    code: z.string().meta({
      description:
        'Nango error type: action_script_runtime_error (an ActionError), invalid_action_input, invalid_action_output, script_http_error, script_network_error, script_internal_error, action_timeout, script_output_too_large, …',
    }),
    message: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })),
    payload: z.record(z.string(), z.unknown()).optional().meta({ description: "The ActionError's payload, or the provider's answer body" }),
    upstream: z.object({ status: z.number(), headers: z.record(z.string(), z.string()), body: z.unknown() }).optional(),
  }),
});

export const ActionIdPath = z.object({ id: z.uuid().meta({ description: 'The id `POST /action/trigger` answered with (X-Async)' }) }).strict();

export const ActionExecutionsQuery = z.object({
  provider_config_key: ProviderConfigKey,
  connection_id: ConnectionId,
  action_name: SyncName.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

const LogLine = z.object({ at: z.string(), level: z.enum(['debug', 'info', 'warn', 'error']), message: z.string() });

export const ActionExecutionSchema = z.object({
  id: z.string(),
  action_name: z.string(),
  mode: z.enum(['sync', 'async']),
  status: z.enum(['QUEUED', 'RUNNING', 'SUCCESS', 'ERROR']),
  created_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  attempts: z.number().int(),
  max_retries: z.number().int(),
  error: z.object({ type: z.string(), message: z.string(), payload: z.record(z.string(), z.unknown()) }).nullable(),
  logs: z.array(LogLine),
});

export const ActionExecutionsResponse = z.object({ executions: z.array(ActionExecutionSchema) });
