/**
 * A connection's metadata as editable JSON. The text the user typed is the state: it is never
 * replaced by a reload or a failed save (a refused save shows why and keeps every character), and
 * only a successful save or "Discard changes" sets it back from the server's value.
 */
import { useState } from 'preact/hooks';
import { apiCall } from '../api.js';
import { Button, ErrorBanner, JsonView } from '../components/ui.js';

type Parsed = { ok: true; value: Record<string, unknown> } | { ok: false; message: string };

/** The API takes a JSON object (`Metadata`: a record of string keys); anything else is refused here first. */
export function parseMetadata(text: string): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `Not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, message: 'Metadata must be a JSON object, for example {"region": "eu"}.' };
  return { ok: true, value: value as Record<string, unknown> };
}

const pretty = (value: unknown) => JSON.stringify(value, null, 2);

export function MetadataEditor(props: { providerConfigKey: string; connectionId: string; metadata: Record<string, unknown>; canWrite: boolean }) {
  const [saved, setSaved] = useState(() => pretty(props.metadata));
  const [text, setText] = useState(saved);
  const [invalid, setInvalid] = useState<string | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const [notice, setNotice] = useState('');

  if (!props.canWrite) return <JsonView value={props.metadata} />;

  const save = async () => {
    setNotice('');
    setFailure(null);
    const parsed = parseMetadata(text);
    if (!parsed.ok) {
      setInvalid(parsed.message);
      return;
    }
    setInvalid(null);
    setSaving(true);
    try {
      // POST replaces the whole metadata (Nango's setMetadata); PATCH would merge top-level keys.
      const answer = await apiCall<{ metadata: Record<string, unknown> }>('POST', '/connections/metadata', {
        body: { connection_id: props.connectionId, provider_config_key: props.providerConfigKey, metadata: parsed.value },
      });
      const next = pretty(answer.metadata ?? parsed.value);
      setSaved(next);
      setText(next);
      // The answer is the stored metadata, so the connection is not read again (a reload would remount this editor).
      setNotice('Metadata saved.');
    } catch (error) {
      setFailure(error);
    } finally {
      setSaving(false);
    }
  };

  const dirty = text !== saved;
  return (
    <div class="metadata-editor">
      <label for="connection-metadata">Metadata (JSON object)</label>
      <textarea
        id="connection-metadata"
        rows={Math.min(20, Math.max(6, text.split('\n').length + 1))}
        spellcheck={false}
        value={text}
        aria-invalid={invalid ? 'true' : undefined}
        aria-describedby={invalid ? 'connection-metadata-error' : undefined}
        onInput={(event) => {
          setText(event.currentTarget.value);
          setNotice('');
        }}
      />
      {invalid ? (
        <p id="connection-metadata-error" class="field-error" role="alert">
          {invalid}
        </p>
      ) : null}
      {failure ? <ErrorBanner error={failure} /> : null}
      <div class="toolbar">
        <Button kind="primary" onClick={save} disabled={saving}>
          {saving ? 'Saving…' : 'Save metadata'}
        </Button>
        <Button
          onClick={() => {
            setText(saved);
            setInvalid(null);
            setFailure(null);
          }}
          disabled={!dirty || saving}
        >
          Discard changes
        </Button>
        <span role="status" class="muted">
          {notice}
        </span>
      </div>
    </div>
  );
}
