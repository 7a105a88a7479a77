/**
 * One rule for a variant name wherever one comes in — the API's bodies and queries, Nango's
 * `name::variant` text, run messages and fan-out events — the engine's `VariantNameSchema`
 * (Nango's letters, digits, `_` and `-`, at most 255): a variant created with a name can then be
 * read, pruned, scheduled and run by that name everywhere.
 */
import { describe, expect, it } from 'vitest';
import { PruneRecordsBody, RecordsQuery } from '../../../functions/api/routes/records.schemas.js';
import { CancelBody, ExecutionsQuery, FrequencyBody, StatusQuery, SyncsField } from '../../../functions/api/routes/syncs.schemas.js';
import { isValidVariantName } from '../../../functions/engine/state-ports.js';
import { RunMessageSchema } from '../../../functions/handlers/queue/executor-handler.js';
import { FanOutEventSchema } from '../../../functions/handlers/schedule/fan-out-handler.js';

const NAMES = ['eu', 'base', 'A-b_9', 'x'.repeat(64), 'x'.repeat(65), 'x'.repeat(100), 'x'.repeat(255), 'x'.repeat(256), '', 'a|b', 'a::b', 'a#b', 'eu west', '../x', 'é'];
const target = { provider_config_key: 'crm', connection_id: 'acme', sync_name: 'contacts' };

describe('a variant name', () => {
  it.each(NAMES)('%j is judged the same wherever it comes in', (variant) => {
    const valid = /^[A-Za-z0-9_-]{1,255}$/.test(variant);
    expect(isValidVariantName(variant)).toBe(valid);

    const verdicts = {
      recordsQuery: RecordsQuery.safeParse({ model: 'Contact', variant }).success,
      pruneBody: PruneRecordsBody.safeParse({ model: 'Contact', until_cursor: 'c', variant }).success,
      frequencyBody: FrequencyBody.safeParse({ ...target, sync_variant: variant, frequency: null }).success,
      cancelBody: CancelBody.safeParse({ ...target, sync_variant: variant }).success,
      executionsQuery: ExecutionsQuery.safeParse({ ...target, sync_variant: variant }).success,
      syncObject: SyncsField.safeParse([{ name: 'contacts', variant }]).success,
      syncText: SyncsField.safeParse([`contacts::${variant}`]).success,
      statusQuery: StatusQuery.safeParse({ provider_config_key: 'crm', syncs: `contacts::${variant}` }).success,
      runMessage: RunMessageSchema.safeParse({ providerConfigKey: 'crm', connectionId: 'acme', syncName: 'contacts', variant, runId: 'r-1', trigger: 'MANUAL' }).success,
      fanOutEvent: FanOutEventSchema.safeParse({ integration: 'crm', sync: 'contacts', connection: 'acme', variant, scheduledAt: '2026-01-01T00:00:00Z' }).success,
    };

    expect(verdicts).toEqual(Object.fromEntries(Object.keys(verdicts).map((where) => [where, valid])));
  });
});
