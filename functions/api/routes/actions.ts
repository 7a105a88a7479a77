/**
 * Actions as Nango's API serves them: `POST /action/trigger` runs one for a connection and
 * answers with its output (or queues it with `X-Async: true` and answers 202 `{id, statusUrl}`),
 * `GET /action/{id}` reads a queued action's result, and `GET /action/executions` (a Syncline
 * extra, like `/sync/executions`) lists recent executions with their logs.
 *
 * A failed action answers as Nango's does — `{error: {code, message, payload}}` with the status
 * of its kind: 500 for an `ActionError` (its payload passed through), 424 for a provider's error
 * answer (with `upstream`), 400 for an input that fails the action's schema (each issue's path in
 * `errors`), 504 when a synchronous action outlives its window — plus the `errors` list every
 * Syncline error body has. Mounted only when the deployment wires actions (`deps.actions`).
 */
import { ActionRequestError, type ActionService } from '../../engine/actions/action-service.js';
import type { ActionExecution, ActionFailure } from '../../engine/actions/ports.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { type ApiContext, defineRoute, json, type ApiRoute } from '../route.js';
import { iso } from '../schemas.js';
import { ActionErrorResponse, ActionExecutionsQuery, ActionExecutionsResponse, ActionIdPath, ActionOutput, AsyncActionResponse, TriggerBody, TriggerHeaders } from './actions.schemas.js';

const TAG = 'Actions';
/** Log lines listed per execution by `GET /action/executions`: the last ones. */
export const LISTED_LOG_LINES = 200;

export function actionsRoutes(deps: ApiDeps): ApiRoute[] {
  const actions = deps.actions;
  if (!actions) return [];
  return [
    defineRoute(
      {
        method: 'post',
        path: '/action/trigger',
        tag: TAG,
        summary: 'Trigger an action',
        description:
          "Runs the action for the connection and answers with its output. Synchronous actions must finish within about 25 seconds (API Gateway's 30-second window); longer ones answer 504 action_timeout: trigger those with X-Async: true, which queues the action (up to 15 minutes, X-Max-Retries retries) and answers 202 with its id and status URL; an async_action webhook says when it is done.",
        headers: TriggerHeaders,
        body: TriggerBody,
        responses: {
          200: { description: "The action's output", schema: ActionOutput },
          202: { description: 'Queued (X-Async: true)', schema: AsyncActionResponse },
          400: { description: 'Invalid input (invalid_action_input, with the schema path of each issue) or unknown connection', schema: ActionErrorResponse },
          404: { description: 'No such action', schema: ActionErrorResponse },
          424: { description: 'The provider answered with an error (script_http_error)', schema: ActionErrorResponse },
          500: { description: 'The action failed (an ActionError: action_script_runtime_error, with its payload)', schema: ActionErrorResponse },
        },
      },
      async ({ headers, body, c }) => {
        const result = await trigger(actions, {
          providerConfigKey: headers['Provider-Config-Key'],
          connectionId: headers['Connection-Id'],
          actionName: body.action_name,
          input: body.input,
          async: headers['X-Async'] ?? false,
          maxRetries: headers['X-Max-Retries'] ?? 0,
        });
        if (result.kind === 'queued') {
          c.header('Location', result.statusUrl);
          return c.json({ id: result.id, statusUrl: result.statusUrl }, 202);
        }
        if (result.outcome.status === 'ERROR') return failureResponse(c, result.outcome.error);
        return c.json(result.outcome.output ?? null, 200);
      },
    ),

    // Before `/action/{id}`: `executions` is no action id.
    defineRoute(
      {
        method: 'get',
        path: '/action/executions',
        tag: TAG,
        summary: 'List action executions with their logs (Syncline extra)',
        description: `The most recent executions of the actions of one connection (optionally one action), newest first: mode, status, attempts, error and the last ${LISTED_LOG_LINES} log lines of each. Inputs and outputs are not listed.`,
        query: ActionExecutionsQuery,
        responses: { 200: { description: 'Executions', schema: ActionExecutionsResponse } },
      },
      async ({ query, c }) => {
        const found = await actions.list({
          providerConfigKey: query.provider_config_key,
          connectionId: query.connection_id,
          ...(query.action_name ? { actionName: query.action_name } : {}),
          limit: query.limit,
        });
        // Read side by side, and each capped: a page of 100 executions is 100 short reads at once, not 100 whole logs in a row.
        const executions = await Promise.all(found.map(async (execution) => describeExecution(execution, await actions.logs(execution.id, { last: LISTED_LOG_LINES }))));
        return json(c, 200, { executions });
      },
    ),

    defineRoute(
      {
        method: 'get',
        path: '/action/{id}',
        tag: TAG,
        summary: 'Get an asynchronous action result',
        description:
          'The output of an action triggered with X-Async: true once it has succeeded; 404 while it is queued or running (or for an unknown id); its error, with the status of its kind, once it has failed for good.',
        params: ActionIdPath,
        responses: {
          200: { description: "The action's output", schema: ActionOutput },
          404: { description: 'Unknown id, or not completed yet', schema: ActionErrorResponse },
          500: { description: 'The action failed', schema: ActionErrorResponse },
        },
      },
      async ({ params, c }) => {
        const execution = await actions.get(params.id);
        if (!execution) throw new ApiError(404, 'not_found', `No action '${params.id}' found`);
        if (execution.status === 'SUCCESS') return c.json(execution.output ?? null, 200);
        if (execution.status === 'ERROR' && execution.error) return failureResponse(c, execution.error);
        throw new ApiError(
          404,
          'not_found',
          `Action '${params.id}' has not completed yet (${execution.status.toLowerCase()}, attempt ${Math.max(1, execution.attempts)} of ${execution.maxRetries + 1})`,
        );
      },
    ),
  ];
}

async function trigger(actions: ActionService, request: Parameters<ActionService['trigger']>[0]) {
  try {
    return await actions.trigger(request);
  } catch (error) {
    if (!(error instanceof ActionRequestError)) throw error;
    throw new ActionApiError(error);
  }
}

/** An `ActionRequestError` as an `ApiError` that also carries the payload of Nango's body. */
class ActionApiError extends ApiError {
  constructor(private readonly request: ActionRequestError) {
    super(
      request.status as ApiError['status'],
      request.code,
      request.message,
      request.errors.map(({ path, message }) => ({ path, message })),
    );
  }

  override toBody() {
    const body = super.toBody();
    return this.request.payload === undefined ? body : { error: { ...body.error, payload: this.request.payload } };
  }
}

/** Nango's error body of a failed action (`errResFromNangoErr`), with Syncline's `errors` list. */
function failureResponse(c: ApiContext, failure: ActionFailure): Response {
  const error = { code: failure.type, message: failure.message, errors: [], payload: failure.payload, ...(failure.upstream ? { upstream: failure.upstream } : {}) };
  return c.json({ error }, failure.status as 400);
}

function describeExecution(execution: ActionExecution, logs: { at: number; level: 'debug' | 'info' | 'warn' | 'error'; message: string }[]) {
  return {
    id: execution.id,
    action_name: execution.actionName,
    mode: execution.mode,
    status: execution.status,
    created_at: iso(execution.createdAt),
    started_at: execution.startedAt === null ? null : iso(execution.startedAt),
    finished_at: execution.finishedAt === null ? null : iso(execution.finishedAt),
    attempts: execution.attempts,
    max_retries: execution.maxRetries,
    error: execution.error ? { type: execution.error.type, message: execution.error.message, payload: execution.error.payload } : null,
    logs: logs.map((line) => ({ at: iso(line.at), level: line.level, message: line.message })),
  };
}
