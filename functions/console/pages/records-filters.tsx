/**
 * The Records page's filters, as `GET /records` takes them: last action (added / updated /
 * deleted), modified after, record ids and the page size. Edited in the form, applied on submit,
 * so a half-typed id list never fires a request.
 */
import { useState } from 'preact/hooks';

export const RECORD_ACTIONS = ['added', 'updated', 'deleted'] as const;
export type RecordAction = (typeof RECORD_ACTIONS)[number];
const PAGE_SIZES = [25, 50, 100, 500] as const;
/** `GET /records` takes at most 100 ids. */
const MAX_IDS = 100;

export interface RecordFilters {
  actions: RecordAction[];
  /** A `datetime-local` value (the browser's time zone), or ''. */
  modifiedAfter: string;
  ids: string;
  limit: number;
}

export const NO_FILTERS: RecordFilters = { actions: [], modifiedAfter: '', ids: '', limit: 50 };

/** The query `GET /records` gets for these filters (model, variant and cursor are added by the caller). */
export function filterQuery(filters: RecordFilters): { filter?: string; modified_after?: string; ids?: string[]; limit: number } {
  const ids = splitIds(filters.ids);
  const modifiedAfter = filters.modifiedAfter ? new Date(filters.modifiedAfter) : null;
  return {
    // All three or none: the same thing, so leave it out.
    ...(filters.actions.length > 0 && filters.actions.length < RECORD_ACTIONS.length ? { filter: filters.actions.join(',') } : {}),
    ...(modifiedAfter && !Number.isNaN(modifiedAfter.getTime()) ? { modified_after: modifiedAfter.toISOString() } : {}),
    ...(ids.length > 0 ? { ids } : {}),
    limit: filters.limit,
  };
}

function splitIds(text: string): string[] {
  return [
    ...new Set(
      text
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean),
    ),
  ];
}

export function RecordFiltersForm({ initial, onApply }: { initial: RecordFilters; onApply: (filters: RecordFilters) => void }) {
  const [draft, setDraft] = useState(initial);
  const [problem, setProblem] = useState<string | null>(null);

  const toggle = (action: RecordAction, on: boolean) => setDraft({ ...draft, actions: on ? [...draft.actions, action] : draft.actions.filter((a) => a !== action) });
  const submit = (event: Event) => {
    event.preventDefault();
    const count = splitIds(draft.ids).length;
    if (count > MAX_IDS) return setProblem(`At most ${MAX_IDS} ids at a time (${count} given).`);
    setProblem(null);
    onApply(draft);
  };

  return (
    <form class="card records-filters" onSubmit={submit} aria-label="Record filters">
      <fieldset class="records-actions">
        <legend>Last action</legend>
        {RECORD_ACTIONS.map((action) => (
          <label key={action} class="check-label">
            <input type="checkbox" checked={draft.actions.includes(action)} onChange={(e) => toggle(action, e.currentTarget.checked)} /> {action}
          </label>
        ))}
      </fieldset>
      <div class="field">
        <label for="records-modified-after">Modified after</label>
        <input id="records-modified-after" type="datetime-local" step={1} value={draft.modifiedAfter} onInput={(e) => setDraft({ ...draft, modifiedAfter: e.currentTarget.value })} />
      </div>
      <div class="field">
        <label for="records-ids">Record ids (comma-separated)</label>
        <input
          id="records-ids"
          value={draft.ids}
          onInput={(e) => setDraft({ ...draft, ids: e.currentTarget.value })}
          autocomplete="off"
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? 'records-ids-error' : undefined}
        />
        {problem ? (
          <span id="records-ids-error" class="field-error">
            {problem}
          </span>
        ) : null}
      </div>
      <div class="field">
        <label for="records-limit">Page size</label>
        <select id="records-limit" value={String(draft.limit)} onChange={(e) => setDraft({ ...draft, limit: Number(e.currentTarget.value) })}>
          {PAGE_SIZES.map((size) => (
            <option key={size} value={String(size)}>
              {size}
            </option>
          ))}
        </select>
      </div>
      <div class="toolbar">
        <button type="submit" class="btn btn-primary">
          Apply filters
        </button>
        <button
          type="button"
          class="btn"
          onClick={() => {
            setDraft(NO_FILTERS);
            setProblem(null);
            onApply(NO_FILTERS);
          }}
        >
          Clear filters
        </button>
      </div>
    </form>
  );
}
