/**
 * The script-facing `nango` object as Nango's SDK behaves: getToken, getIntegration,
 * getEnvironmentVariables, log's argument shapes, batchSend, zodValidateInput with ActionError,
 * getConnection of another connection, deleteRecordsFromPreviousExecutions' result, and the
 * value exports of the `nango` module.
 */
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import * as nangoModule from 'nango';
import { parseLogArguments } from '../../../functions/engine/sdk/log-arguments.js';
import type { NangoSync } from '../../../functions/engine/sdk/nango-sync-types.js';
import { CONNECTION, makeMemoryEngine, PROVIDER } from '../../support/memory-engine.js';

async function runScript(script: (nango: NangoSync) => Promise<void>, setup?: (engine: ReturnType<typeof makeMemoryEngine>) => Promise<void>) {
  const engine = makeMemoryEngine();
  engine.deps.environmentVariables = [{ name: 'REGION', value: 'eu' }];
  await setup?.(engine);
  engine.source.exec = script;
  const outcome = await engine.run('scripted');
  return { engine, outcome };
}

describe('the nango object', () => {
  it('gives the token, the integration, the configured variables and the variant', async () => {
    const seen: Record<string, unknown> = {};
    const { outcome } = await runScript(async (nango) => {
      seen['token'] = await nango.getToken();
      seen['integration'] = await nango.getIntegration();
      seen['webhookUrl'] = await nango.getWebhookURL();
      seen['variables'] = await nango.getEnvironmentVariables();
      seen['variant'] = nango.variant;
    });
    expect(outcome).toMatchObject({ kind: 'FINISHED', run: { status: 'SUCCESS' } });
    // A connection without secrets: the credentials object, as Nango's getToken gives for non-OAuth modes.
    expect(seen).toEqual({
      token: { type: 'NONE' },
      integration: { unique_key: PROVIDER, provider: PROVIDER, display_name: PROVIDER, webhook_url: null },
      webhookUrl: null,
      variables: [{ name: 'REGION', value: 'eu' }],
      variant: 'base',
    });
  });

  it('reads another connection by key and id, and names a missing one', async () => {
    let other: unknown;
    let missing: unknown;
    const { outcome } = await runScript(
      async (nango) => {
        other = await nango.getConnection(PROVIDER, 'globex');
        missing = await nango.getConnection(PROVIDER, 'nobody').catch((error: Error) => error.message);
      },
      async (engine) => {
        await engine.state.connections.put({
          providerConfigKey: PROVIDER,
          connectionId: 'globex',
          credentials: { type: 'API_KEY', apiKey: 'k-2' },
          metadata: {},
          connectionConfig: { region: 'us' },
          createdAt: 'x',
          updatedAt: 'x',
        });
      },
    );
    expect(outcome).toMatchObject({ run: { status: 'SUCCESS' } });
    expect(other).toMatchObject({ connection_id: 'globex', connection_config: { region: 'us' }, credentials: { type: 'API_KEY', apiKey: 'k-2' } });
    expect(missing).toMatch(/no connection "nobody"/);
  });

  it('saves through batchSend, and returns deletedKeys from deleteRecordsFromPreviousExecutions', async () => {
    let result: unknown;
    const { engine, outcome } = await runScript(async (nango) => {
      await nango.trackDeletesStart('Item');
      await nango.batchSend([{ id: 'a', first_name: 'A', last_name: 'A', email: 'a@x.io', company: null, phone: null, lifecycle_stage: 'lead', updated_at: '2026-01-01T00:00:00.000Z' }], 'Item');
      result = await nango.deleteRecordsFromPreviousExecutions('Item');
    });
    expect(outcome).toMatchObject({ run: { status: 'SUCCESS' } });
    expect(result).toEqual({ deletedKeys: [] });
    const stored = await engine.records.getByIds({ providerConfigKey: PROVIDER, connectionId: CONNECTION, model: 'Item' }, ['a']);
    expect(stored.get('a')?.deletedAt).toBeNull();
  });

  it('validates input with zod: each issue logged, then an ActionError', async () => {
    let thrown: unknown;
    const { engine, outcome } = await runScript(async (nango) => {
      thrown = await nango.zodValidateInput({ zodSchema: z.object({ title: z.string() }), input: { title: 3 } }).catch((error: unknown) => error);
      expect((await nango.zodValidateInput({ zodSchema: z.object({ n: z.number() }), input: { n: 1 } })).data).toEqual({ n: 1 });
    });
    expect(thrown).toBeInstanceOf(nangoModule.ActionError);
    expect(thrown).toMatchObject({ type: 'action_script_runtime_error', payload: { message: 'Invalid input provided' } });
    expect(outcome).toMatchObject({ run: { status: 'SUCCESS' } });
    const runId = (outcome as { run: { runId: string } }).run.runId;
    const lines = await engine.state.runLogs.list({ providerConfigKey: PROVIDER, connectionId: CONNECTION, syncName: 'scripted' }, runId);
    expect(lines.map((line) => line.message)).toContainEqual(expect.stringMatching(/^Invalid input provided: .* at path title$/));
  });
});

describe("nango.log's argument shapes", () => {
  it('takes a message, options, a payload, or both; level off logs nothing', () => {
    expect(parseLogArguments(['hello'])).toEqual({ level: 'info', message: 'hello' });
    expect(parseLogArguments(['careful', { level: 'warn' }])).toEqual({ level: 'warn', message: 'careful' });
    expect(parseLogArguments(['saved', { count: 3 }])).toEqual({ level: 'info', message: 'saved {"count":3}' });
    expect(parseLogArguments(['saved', { count: 3 }, { level: 'debug' }])).toEqual({ level: 'debug', message: 'saved {"count":3}' });
    expect(parseLogArguments([{ a: 1 }])).toEqual({ level: 'info', message: '{"a":1}' });
    expect(parseLogArguments(['quiet', { level: 'off' }])).toBeNull();
    // `{ level, other }` is a payload that happens to have a level field.
    expect(parseLogArguments(['event', { level: 'warn', id: 1 }])).toEqual({ level: 'info', message: 'event {"level":"warn","id":1}' });
  });
});

describe("the nango module's exports", () => {
  it('has runtime values for the names Nango exports as types, so imports without `type` load', () => {
    expect(nangoModule.NangoSync).toBeDefined();
    expect(nangoModule.NangoAction).toBeDefined();
    expect(nangoModule.ProxyConfiguration).toBeDefined();
    expect(nangoModule.createAction({ description: 'a', input: z.object({}), output: z.object({}), exec: async () => ({}) }).type).toBe('action');
    expect(nangoModule.createOnEvent({ description: 'e', event: 'post-connection-creation', exec: async () => undefined }).type).toBe('onEvent');
  });
});
