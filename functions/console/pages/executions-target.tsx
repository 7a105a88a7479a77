/**
 * The form the Executions and Records pages show to choose what to look at: an integration, a
 * connection and one of the integration's syncs (Executions) or models (Records), plus a variant.
 * The lists come from `GET /scripts/config`; a key that may not read integrations gets plain text
 * fields instead, so the page stays usable. The form only navigates: the choice lives in the URL.
 */
import { useState } from 'preact/hooks';
import { apiCall } from '../api.js';
import { useAsync } from '../components/ui.js';
import { navigate } from '../router.js';
import { useSession } from '../session.js';

/** One entry of `GET /scripts/config` (`IntegrationScriptsConfigSchema`), the fields read here and on the Records page. */
export interface ScriptsConfigEntry {
  providerConfigKey: string;
  syncs: { name: string; returns: string[] }[];
}

export interface Target {
  providerConfigKey: string;
  connectionId: string;
  /** A sync name (Executions) or a model name (Records). */
  item: string;
  variant: string;
}

/** The integrations with their syncs, or null when the key may not read them (free text then). */
export function useScriptsConfig(): { entries: ScriptsConfigEntry[] | null } {
  const session = useSession();
  const allowed = session.canRead('integrations');
  const config = useAsync(() => (allowed ? apiCall<ScriptsConfigEntry[]>('GET', '/scripts/config') : Promise.resolve(null)), [session.apiKey]);
  return { entries: allowed && !config.error ? (config.data ?? []) : null };
}

/** A sync's names (`kind: 'sync'`) or the models its syncs return (`kind: 'model'`), without duplicates. */
export function itemsOf(entries: ScriptsConfigEntry[] | null, providerConfigKey: string, kind: 'sync' | 'model'): string[] {
  const entry = entries?.find((e) => e.providerConfigKey === providerConfigKey);
  if (!entry) return [];
  const names = kind === 'sync' ? entry.syncs.map((s) => s.name) : entry.syncs.flatMap((s) => s.returns);
  return [...new Set(names)];
}

export function TargetForm({
  kind,
  initial,
  path,
  queryOf,
  submitText,
}: {
  kind: 'sync' | 'model';
  initial: Target;
  path: string;
  queryOf: (target: Target) => Record<string, string | undefined>;
  submitText: string;
}) {
  const { entries } = useScriptsConfig();
  const [target, setTarget] = useState(initial);
  const set = (field: keyof Target) => (event: Event) => setTarget({ ...target, [field]: (event.currentTarget as HTMLInputElement | HTMLSelectElement).value });
  // The URL may name what the lists do not hold (yet, while they load, or no longer): keep it choosable.
  const items = withCurrent(itemsOf(entries, target.providerConfigKey, kind), target.item);
  const integrations = withCurrent(entries?.map((e) => e.providerConfigKey) ?? [], target.providerConfigKey);
  const itemLabel = kind === 'sync' ? 'Sync' : 'Model';

  const submit = (event: Event) => {
    event.preventDefault();
    navigate(path, queryOf({ ...target, variant: target.variant.trim() }));
  };

  return (
    <form class="toolbar target-form" onSubmit={submit}>
      <div class="field">
        <label for="target-integration">Integration</label>
        {entries ? (
          <select id="target-integration" value={target.providerConfigKey} onChange={(e) => setTarget({ ...target, providerConfigKey: e.currentTarget.value, item: '' })} required>
            <option value="">Choose…</option>
            {integrations.map((key) => (
              <option key={key} value={key}>
                {key}
              </option>
            ))}
          </select>
        ) : (
          <input id="target-integration" value={target.providerConfigKey} onInput={set('providerConfigKey')} required />
        )}
      </div>
      <div class="field">
        <label for="target-connection">Connection ID</label>
        <input id="target-connection" value={target.connectionId} onInput={set('connectionId')} required autocomplete="off" />
      </div>
      <div class="field">
        <label for="target-item">{itemLabel}</label>
        {entries ? (
          <select id="target-item" value={target.item} onChange={set('item')} required>
            <option value="">Choose…</option>
            {items.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        ) : (
          <input id="target-item" value={target.item} onInput={set('item')} required />
        )}
      </div>
      <div class="field">
        <label for="target-variant">Variant</label>
        <input id="target-variant" value={target.variant} onInput={set('variant')} placeholder="base" autocomplete="off" />
      </div>
      <button type="submit" class="btn btn-primary">
        {submitText}
      </button>
    </form>
  );
}

function withCurrent(names: string[], current: string): string[] {
  return current && !names.includes(current) ? [current, ...names] : names;
}
