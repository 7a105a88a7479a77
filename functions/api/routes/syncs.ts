/**
 * Sync controls: Nango's trigger, start, pause, status, per-connection frequency and sync
 * variants (`syncs-variants.ts`), and two Syncline extras — cancel a running execution, list
 * executions with their logs. Each route only maps the request onto `SyncControls`.
 */
import type { ConnectionSyncKey } from '../../engine/ports.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { defineRoute, json, type ApiRoute } from '../route.js';
import { iso, SuccessResponse } from '../schemas.js';
import {
  CancelBody,
  CancelResponse,
  ExecutionsQuery,
  ExecutionsResponse,
  FrequencyBody,
  FrequencyResponse,
  OptionalConnectionHeaders,
  StartPauseBody,
  StatusQuery,
  StatusResponse,
  TriggerBody,
  type SyncsField,
} from './syncs.schemas.js';
import { syncVariantRoutes } from './syncs-variants.js';
import type * as z from 'zod';

export function syncsRoutes(deps: ApiDeps): ApiRoute[] {
  const controls = () => deps.syncline.controls();

  /** The connection-syncs a control request names; body fields win over the optional headers. */
  const resolveTargets = (
    body: { syncs: z.output<typeof SyncsField>; provider_config_key?: string | undefined; connection_id?: string | undefined },
    headers: z.output<typeof OptionalConnectionHeaders>,
  ): Promise<ConnectionSyncKey[]> => {
    const providerConfigKey = pick('provider_config_key', body.provider_config_key, headers['Provider-Config-Key']);
    if (providerConfigKey === undefined) {
      throw new ApiError(400, 'invalid_request', 'provider_config_key is required (in the body or the Provider-Config-Key header)', [{ path: 'body.provider_config_key', message: 'Required' }]);
    }
    const connectionId = pick('connection_id', body.connection_id, headers['Connection-Id']);
    return controls().resolve(providerConfigKey, body.syncs.length === 0 ? '*' : body.syncs, connectionId);
  };

  return [
    defineRoute(
      {
        method: 'post',
        path: '/sync/trigger',
        tag: 'Syncs',
        summary: 'Trigger a sync',
        description:
          'Queues a one-off execution now. opts.reset (or sync_mode full_refresh) forgets lastSyncDate and the checkpoint; opts.emptyCache (or full_refresh_and_clear_cache) also deletes the records first; a reset of a running sync cancels the running execution first (as Nango does). opts.acceptMassDeletion lets the deletions of that run through the mass-deletion guard once. 409 when the sync is paused, or running and a deletion acceptance is asked for.',
        headers: OptionalConnectionHeaders,
        body: TriggerBody,
        responses: { 200: { description: 'Queued', schema: SuccessResponse } },
      },
      async ({ body, headers, c }) => {
        const keys = await resolveTargets(body, headers);
        const emptyCache = body.opts?.emptyCache === true || body.sync_mode === 'full_refresh_and_clear_cache';
        const reset = emptyCache || body.opts?.reset === true || body.sync_mode === 'full_refresh' || body.full_resync === true;
        await controls().trigger(keys, { reset, emptyCache, acceptMassDeletion: body.opts?.acceptMassDeletion === true });
        return json(c, 200, { success: true });
      },
    ),

    defineRoute(
      {
        method: 'post',
        path: '/sync/start',
        tag: 'Syncs',
        summary: 'Start a sync',
        description: "Resumes the schedule of the syncs (for one connection, or all of the integration's) and runs each at once, unless it is still running. A sync already started is left as it is.",
        headers: OptionalConnectionHeaders,
        body: StartPauseBody,
        responses: { 200: { description: 'Started', schema: SuccessResponse } },
      },
      async ({ body, headers, c }) => {
        await controls().start(await resolveTargets(body, headers));
        return json(c, 200, { success: true });
      },
    ),

    defineRoute(
      {
        method: 'post',
        path: '/sync/pause',
        tag: 'Syncs',
        summary: 'Pause a sync',
        description: 'Pauses the schedule and stops a queued or running execution.',
        headers: OptionalConnectionHeaders,
        body: StartPauseBody,
        responses: { 200: { description: 'Paused', schema: SuccessResponse } },
      },
      async ({ body, headers, c }) => {
        await controls().pause(await resolveTargets(body, headers));
        return json(c, 200, { success: true });
      },
    ),

    defineRoute(
      {
        method: 'get',
        path: '/sync/status',
        tag: 'Syncs',
        summary: 'Get sync status',
        query: StatusQuery,
        responses: { 200: { description: 'One entry per connection and sync', schema: StatusResponse } },
      },
      async ({ query, c }) => {
        // Nango names a variant `sync::variant`; `*` is every sync and variant.
        const keys = await controls().resolve(query.provider_config_key, query.syncs.includes('*') ? '*' : query.syncs, query.connection_id);
        const syncs = [];
        for (const key of keys) syncs.push(await controls().status(key));
        return json(c, 200, { syncs });
      },
    ),

    defineRoute(
      {
        method: 'put',
        path: '/sync/update-connection-frequency',
        tag: 'Syncs',
        summary: "Override a sync's frequency for one connection",
        description:
          "Gives the connection (or one sync_variant on it) its own schedule; null reverts to the sync's frequency. At least one minute: EventBridge Scheduler's finest rate (Nango allows 30 seconds).",
        body: FrequencyBody,
        responses: { 200: { description: 'The frequency now in effect', schema: FrequencyResponse } },
      },
      async ({ body, c }) => {
        const [key] = await controls().resolve(body.provider_config_key, [{ name: body.sync_name, variant: body.sync_variant }], body.connection_id);
        return json(c, 200, await controls().setFrequency(key!, body.frequency));
      },
    ),

    defineRoute(
      {
        method: 'post',
        path: '/sync/cancel',
        tag: 'Syncs',
        summary: 'Cancel the running execution (Syncline extra)',
        description: 'Stops the execution running now; the schedule is unchanged. cancelled is false when nothing was running.',
        body: CancelBody,
        responses: { 200: { description: 'Outcome', schema: CancelResponse } },
      },
      async ({ body, c }) => {
        const [key] = await controls().resolve(body.provider_config_key, [{ name: body.sync_name, variant: body.sync_variant }], body.connection_id);
        const { cancelled } = await controls().cancel(key!);
        return json(c, 200, { success: true, cancelled: cancelled !== null, execution_id: cancelled });
      },
    ),

    defineRoute(
      {
        method: 'get',
        path: '/sync/executions',
        tag: 'Syncs',
        summary: 'List executions with their logs (Syncline extra)',
        description: 'The most recent executions of one sync on one connection, newest first, with status, counts, error and log lines.',
        query: ExecutionsQuery,
        responses: { 200: { description: 'Executions', schema: ExecutionsResponse } },
      },
      async ({ query, c }) => {
        const [key] = await controls().resolve(query.provider_config_key, [{ name: query.sync_name, variant: query.sync_variant }], query.connection_id);
        const runs = await deps.syncline.state.runs.list(key!, query.limit);
        const executions = [];
        for (const run of runs) {
          const logs = await deps.syncline.state.runLogs.list(key!, run.runId);
          executions.push({
            id: run.runId,
            status: run.status,
            type: run.type,
            trigger: run.trigger,
            started_at: iso(run.startedAt),
            finished_at: run.finishedAt === null ? null : iso(run.finishedAt),
            invocations: run.invocations,
            results: run.results,
            error: run.error,
            logs: logs.map((line) => ({ at: iso(line.at), level: line.level, message: line.message })),
          });
        }
        return json(c, 200, { executions });
      },
    ),
    ...syncVariantRoutes(deps),
  ];
}

function pick(field: string, fromBody: string | undefined, fromHeader: string | undefined): string | undefined {
  if (fromBody !== undefined && fromHeader !== undefined && fromBody !== fromHeader) {
    throw new ApiError(400, 'invalid_request', `${field} in the body and its header disagree`, [{ path: `body.${field}`, message: 'differs from the header' }]);
  }
  return fromBody ?? fromHeader;
}
