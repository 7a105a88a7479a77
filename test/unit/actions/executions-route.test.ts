/**
 * `GET /action/executions`: the executions' logs are read side by side, and each capped to its
 * last `LISTED_LOG_LINES` lines, so a page of 100 long-running executions stays one short round.
 */
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import type { ApiDeps } from '../../../functions/api/deps.js';
import { actionsRoutes, LISTED_LOG_LINES } from '../../../functions/api/routes/actions.js';
import { createAction } from '../../../functions/engine/script-definition.js';
import { CONNECTION, makeActionWorld, PROVIDER } from './action-world.js';

describe('GET /action/executions', () => {
  it('reads the logs concurrently and lists only the last lines of each', async () => {
    const world = await makeActionWorld({ ping: createAction({ description: 'x', input: z.void(), output: z.void(), exec: async () => undefined }) });
    for (let i = 0; i < 3; i++) await world.trigger('ping', undefined, { async: true });
    const lines = Array.from({ length: LISTED_LOG_LINES + 50 }, (_, i) => ({ at: Date.UTC(2026, 0, 1) + i, level: 'info' as const, message: `line ${i}` }));
    for (const id of ['exec-1', 'exec-2', 'exec-3']) await world.executions.appendLogs(id, lines);
    let inFlight = 0;
    let mostInFlight = 0;
    const logs = world.executions.logs.bind(world.executions);
    world.executions.logs = async (id, options) => {
      mostInFlight = Math.max(mostInFlight, ++inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return logs(id, options);
    };
    const route = actionsRoutes({ actions: world.service } as unknown as ApiDeps).find((r) => r.spec.path === '/action/executions')!;
    const app = new Hono().get('/action/executions', (c) => route.handle(c as never));

    const response = await app.request(`/action/executions?provider_config_key=${PROVIDER}&connection_id=${CONNECTION}`);

    expect(response.status).toBe(200);
    const body = (await response.json()) as { executions: { id: string; logs: { message: string }[] }[] };
    expect(body.executions.map((e) => e.id).sort()).toEqual(['exec-1', 'exec-2', 'exec-3']);
    for (const execution of body.executions) {
      expect(execution.logs).toHaveLength(LISTED_LOG_LINES);
      expect(execution.logs[0]!.message).toBe('line 50');
      expect(execution.logs.at(-1)!.message).toBe(`line ${LISTED_LOG_LINES + 49}`);
    }
    expect(mostInFlight).toBe(3);
    expect(world.executions.logReads.map((r) => r.last)).toEqual([LISTED_LOG_LINES, LISTED_LOG_LINES, LISTED_LOG_LINES]);
  });
});
