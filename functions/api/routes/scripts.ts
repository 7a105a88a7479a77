/**
 * `GET /scripts/config` (Nango's `getScriptsConfig`): every integration's syncs and actions with
 * their models as JSON Schema, or (`format=openai`) one OpenAI function definition per script.
 * Built once: the registry does not change while the process runs.
 */
import type { ApiDeps } from '../deps.js';
import { defineRoute, json, type ApiRoute } from '../route.js';
import { buildScriptsConfig, toOpenAiFunctions } from './scripts.config.js';
import { ScriptsConfigQuery, ScriptsConfigResponse } from './scripts.schemas.js';

export function scriptsRoutes(deps: ApiDeps): ApiRoute[] {
  let config: ReturnType<typeof buildScriptsConfig> | undefined;
  return [
    defineRoute(
      {
        method: 'get',
        path: '/scripts/config',
        tag: 'Scripts',
        summary: 'Get scripts configuration',
        description:
          "Every integration's syncs and actions as Nango lists them (name, frequency, models as JSON Schema in json_schema.definitions, endpoints, scopes…); with format=openai, {data: [...]} of OpenAI function definitions.",
        // What Nango's key scope environment:integrations:list_functions grants.
        scope: 'integrations:read',
        query: ScriptsConfigQuery,
        responses: { 200: { description: 'The scripts of every integration', schema: ScriptsConfigResponse } },
      },
      ({ query, c }) => {
        config ??= buildScriptsConfig(deps.syncline.registry);
        return json(c, 200, query.format === 'openai' ? { data: toOpenAiFunctions(config) } : config);
      },
    ),
  ];
}
