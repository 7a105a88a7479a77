/**
 * The webhook bodies against Nango's own types (@nangohq/types, the version @nangohq/node
 * ships): every body must be assignable to Nango's type (checked by tsc), keep Nango's key
 * order, and survive parse + stringify byte for byte (the legacy signature check).
 */
import type { NangoAuthWebhookBody, NangoSyncWebhookBody } from '@nangohq/types';
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../../functions/engine/ports.js';
import { buildRefreshErrorPayload } from '../../../functions/engine/webhooks/auth-payload.js';
import { buildErrorPayload, buildSuccessPayload, serializePayload } from '../../../functions/engine/webhooks/payload.js';

const run: RunRecord = {
  providerConfigKey: 'hubspot',
  connectionId: 'acme',
  syncName: 'contacts',
  runId: 'r1',
  status: 'SUCCESS',
  type: 'INCREMENTAL',
  trigger: 'SCHEDULE',
  startedAt: Date.parse('2026-01-01T00:00:00.000Z'),
  finishedAt: Date.parse('2026-01-01T00:00:05.250Z'),
  results: { Contact: { added: 1, updated: 0, deleted: 0 } },
  error: null,
  invocations: 1,
  stalledHandOvers: 0,
};

/** Nango's types accept the bodies as they are (a compile-time check; the value is returned for the runtime checks). */
const asNangoSync = (body: NangoSyncWebhookBody) => body;
const asNangoAuth = (body: NangoAuthWebhookBody) => body;

const roundTrips = (body: object) => {
  const sent = serializePayload(body);
  return JSON.stringify(JSON.parse(sent)) === sent;
};

describe('sync webhook bodies, as Nango types them', () => {
  it('syncVariant follows syncName: base for a run without a variant, the variant otherwise', () => {
    const base = asNangoSync(buildSuccessPayload(run, 'Contact'));
    const eu = asNangoSync(buildSuccessPayload({ ...run, variant: 'eu' }, 'Contact'));

    expect(Object.keys(base).slice(4, 7)).toEqual(['syncName', 'syncVariant', 'model']);
    expect(base.syncVariant).toBe('base');
    expect(eu.syncVariant).toBe('eu');
  });

  it('no checkpoints field when the run did not use its checkpoint', () => {
    const body = asNangoSync(buildSuccessPayload(run, 'Contact'));

    expect(body).not.toHaveProperty('checkpoints');
    expect(serializePayload(body)).not.toContain('checkpoints');
  });

  it('checkpoints {from, to} where Nango puts them (after syncType), null ends kept', () => {
    const full = asNangoSync(buildSuccessPayload({ ...run, type: 'INITIAL', checkpoints: { from: null, to: { page: 12, cursor: 'abc' } } }, 'Contact'));
    const incremental = asNangoSync(buildSuccessPayload({ ...run, checkpoints: { from: { since: '2026-01-01' }, to: null } }, 'Contact'));

    expect(Object.keys(full)).toEqual([
      'from',
      'type',
      'connectionId',
      'providerConfigKey',
      'syncName',
      'syncVariant',
      'model',
      'syncType',
      'checkpoints',
      'success',
      'responseResults',
      'modifiedAfter',
      'queryTimeStamp',
    ]);
    expect(full.checkpoints).toEqual({ from: null, to: { page: 12, cursor: 'abc' } });
    expect(incremental.checkpoints).toEqual({ from: { since: '2026-01-01' }, to: null });
    // The receiver's rule from Nango's docs.
    const isFullSync = (b: NangoSyncWebhookBody) => !b.checkpoints || b.checkpoints.from === null;
    expect([isFullSync(full), isFullSync(incremental)]).toEqual([true, false]);
  });

  it('round-trips byte for byte, with checkpoint values of every kind (numbers, unicode, integer-like keys)', () => {
    const checkpoint = { b: 0.1, '10': true, a: 'é ✓ "quoted" \\ \u2028', '2': -1e21, big: 2 ** 53 + 2, tiny: 5e-324, neg: -0 };
    const body = buildSuccessPayload({ ...run, checkpoints: { from: checkpoint, to: { ...checkpoint, b: 1 / 3 } } }, 'Contact');

    expect(roundTrips(body)).toBe(true);
    expect(roundTrips(buildErrorPayload({ ...run, status: 'ERROR', error: { type: 'script_error', message: 'bad\n"thing"' }, checkpoints: { from: checkpoint, to: null } }))).toBe(true);
  });

  it('an error body: error is exactly {type, description}, checkpoints kept, one body for every model', () => {
    const body = asNangoSync(
      buildErrorPayload({
        ...run,
        status: 'ERROR',
        results: { Contact: { added: 1, updated: 0, deleted: 0 }, Note: { added: 0, updated: 0, deleted: 0 } },
        error: { type: 'script_error', message: 'provider exploded' },
        checkpoints: { from: { page: 3 }, to: { page: 4 } },
      }),
    );

    expect(Object.keys(body)).toEqual([
      'from',
      'type',
      'connectionId',
      'providerConfigKey',
      'syncName',
      'syncVariant',
      'model',
      'syncType',
      'checkpoints',
      'success',
      'error',
      'startedAt',
      'failedAt',
    ]);
    expect(body).toMatchObject({ success: false, model: 'Contact,Note', startedAt: '2026-01-01T00:00:00.000Z', failedAt: '2026-01-01T00:00:05.250Z' });
    expect(body.success === false && body.error).toStrictEqual({ type: 'script_error', description: 'provider exploded' });
  });
});

describe('auth webhook body (refresh failed), as Nango types it', () => {
  const subject = { providerConfigKey: 'hubspot', connectionId: 'acme', authMode: 'OAUTH2' as const, provider: 'hubspot', environment: 'prod' };

  it("has Nango's fields in Nango's order, with the connection's tags", () => {
    const body = asNangoAuth(buildRefreshErrorPayload({ ...subject, tags: { end_user_id: 'u-1', organization_id: 'o-9' } }, { message: 'refreshing failed with HTTP 400 (invalid_grant)' }));

    expect(Object.keys(body)).toEqual(['from', 'type', 'connectionId', 'authMode', 'providerConfigKey', 'provider', 'environment', 'operation', 'tags', 'success', 'error']);
    expect(body).toEqual({
      from: 'syncline',
      type: 'auth',
      connectionId: 'acme',
      authMode: 'OAUTH2',
      providerConfigKey: 'hubspot',
      provider: 'hubspot',
      environment: 'prod',
      operation: 'refresh',
      tags: { end_user_id: 'u-1', organization_id: 'o-9' },
      success: false,
      error: { type: 'refresh_token_external_error', description: 'refreshing failed with HTTP 400 (invalid_grant)' },
    });
    expect(roundTrips(body)).toBe(true);
  });

  it('a connection without tags sends {} (as Nango does for a stored connection)', () => {
    expect(buildRefreshErrorPayload({ ...subject, tags: undefined }, { message: 'x' }).tags).toEqual({});
  });
});
