/**
 * Nango's sync variants: `POST /sync/{name}/variant/{variant}` creates one on a connection,
 * `DELETE` removes it with its state and records. Refusals carry Nango's error codes
 * (`invalid_variant`, `unknown_connection`, `sync_variant_already_exists`, `resource_capped`…)
 * in Syncline's error body; only an unknown variant on delete is a 404, as on Nango.
 */
import type { VariantRefusal } from '../../engine/sync-variants.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { defineRoute, json, type ApiRoute } from '../route.js';
import { SuccessResponse } from '../schemas.js';
import { VariantBody, VariantCreatedResponse, VariantPath } from './syncs.schemas.js';

export function syncVariantRoutes(deps: ApiDeps): ApiRoute[] {
  const controls = () => deps.syncline.controls();
  return [
    defineRoute(
      {
        method: 'post',
        path: '/sync/{name}/variant/{variant}',
        tag: 'Syncs',
        summary: 'Create a sync variant',
        description:
          'Adds a variant of the sync on one connection: its own state, schedule override, executions and records (GET /records?variant=). The script reads the name as nango.variant. It starts (and runs at once) when the sync auto-starts. "base" is protected; at most 100 syncs of one name per connection, base included.',
        params: VariantPath,
        body: VariantBody,
        responses: { 200: { description: 'Created', schema: VariantCreatedResponse } },
      },
      async ({ params, body, c }) => {
        const outcome = await controls().createVariant({ providerConfigKey: body.provider_config_key, connectionId: body.connection_id, syncName: params.name, variant: params.variant });
        if (!outcome.ok) throw refusal(outcome);
        return json(c, 200, { id: outcome.id, name: outcome.name, variant: outcome.variant });
      },
    ),

    defineRoute(
      {
        method: 'delete',
        path: '/sync/{name}/variant/{variant}',
        tag: 'Syncs',
        summary: 'Delete a sync variant',
        description: 'Stops its running execution, removes its schedule override, its state and its records (every model of the sync). Its executions stay listed. "base" cannot be deleted.',
        params: VariantPath,
        body: VariantBody,
        responses: { 200: { description: 'Deleted', schema: SuccessResponse } },
      },
      async ({ params, body, c }) => {
        const outcome = await controls().deleteVariant({ providerConfigKey: body.provider_config_key, connectionId: body.connection_id, syncName: params.name, variant: params.variant });
        if (!outcome.ok) throw refusal(outcome);
        return json(c, 200, { success: true });
      },
    ),
  ];
}

function refusal(refused: VariantRefusal): ApiError {
  return new ApiError(refused.code === 'not_found' ? 404 : 400, refused.code, refused.message);
}
