/**
 * A signing secret shown once (on creation and rotation): the API never returns it again, so the
 * panel says so, offers a copy button, and stays until the reader dismisses it.
 */
import { useEffect, useRef, useState } from 'preact/hooks';

export function SecretPanel({ url, secret, onDismiss }: { url: string; secret: string; onDismiss: () => void }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const panel = useRef<HTMLElement>(null);
  // Announced and reachable at once: the reader must act on it before leaving.
  useEffect(() => panel.current?.focus(), []);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('yes');
    } catch {
      // No clipboard permission (or plain http): the secret is selectable text, so copy by hand.
      setCopied('failed');
    }
  };

  return (
    <section class="card secret-panel" aria-label="New signing secret" tabIndex={-1} ref={panel}>
      <h2>Signing secret for {url}</h2>
      <p>This is the only time the secret is shown. Store it where your receiver can read it; rotate it if it is lost.</p>
      <p>
        <code class="secret-value" data-testid="webhook-secret">
          {secret}
        </code>
      </p>
      <div class="toolbar">
        <button type="button" class="btn" onClick={() => void copy()}>
          Copy secret
        </button>
        <button type="button" class="btn btn-primary" onClick={onDismiss}>
          I have stored it — hide
        </button>
        <span role="status" class="muted">
          {copied === 'yes' ? 'Copied to the clipboard.' : copied === 'failed' ? 'The browser refused the clipboard: select the secret and copy it.' : ''}
        </span>
      </div>
    </section>
  );
}
