/** What the HTTP API needs from the rest of Syncline; `Syncline` from the composition root fits. */
import type { ActionService } from '../engine/actions/action-service.js';
import type { OAuthOutcomePublisher } from '../engine/connect/oauth-outcome.js';
import type { AuthFailureRepo } from '../engine/connect/auth-failure.js';
import type { OAuthStateRepo } from '../engine/connect/oauth-state.js';
import type { ConnectionService } from '../engine/connection-service.js';
import type { SyncControls } from '../engine/controls.js';
import type { IntegrationRegistry } from '../engine/integration.js';
import type { ApiKeyStore, Clock, Logger, RecordStore, StateRepos } from '../engine/ports.js';
import type { WebhookService } from '../engine/webhooks/webhook-service.js';

/** The engine services the routes map onto (a structural subset of `Syncline`). */
export interface ApiSyncline {
  registry: IntegrationRegistry;
  records: RecordStore;
  state: Pick<StateRepos, 'connections' | 'connectionSyncs' | 'runs' | 'runLogs' | 'integrations' | 'connectSessions'> & { oauthStates: OAuthStateRepo; authFailures: AuthFailureRepo };
  connections: ConnectionService;
  controls(): SyncControls;
}

export interface ApiDeps {
  syncline: ApiSyncline;
  apiKeys: ApiKeyStore;
  clock: Clock;
  /**
   * How far behind the clock `GET /records` reads: at least twice the record store's maximum
   * write skew, so a write stamped earlier but committed later is never paged past.
   */
  visibilityLagMs: number;
  logger: Logger;
  /** Request bodies above this are refused with 413. @default 256 KiB */
  maxBodyBytes?: number;
  /**
   * Where end users' browsers reach this API: `servers[0].url` of the OpenAPI document, the base
   * of connect links, and of the OAuth redirect URI `<publicUrl>/oauth/callback`. Without it the
   * OAuth flow answers that it is not configured. @default none
   */
  publicUrl?: string;
  /** Nango's frontend SDK's WebSocket clients waiting for an OAuth outcome (the local runtime only). */
  oauthPublisher?: OAuthOutcomePublisher;
  /** A token or authorization URL rendered from a connection's config may be http://127.0.0.1 (the local runtime). @default false */
  allowLoopbackTokenUrl?: boolean;
  /** Webhook subscriptions and deliveries; without it the /webhooks routes are not mounted. */
  webhooks?: WebhookService;
  /**
   * How `/proxy` reaches providers: `fetch` (in AWS one that refuses private addresses at
   * connect time, `public-only-fetch.ts`) and whether a private, loopback or reserved address
   * may be called at all (the local runtime, whose sandboxes are on 127.0.0.1).
   * @default { fetch: global fetch, allowPrivate: false }
   */
  proxy?: { fetch?: typeof fetch; allowPrivate?: boolean };
  /** Triggers actions and reads their results; without it the /action routes are not mounted. */
  actions?: ActionService;
}
