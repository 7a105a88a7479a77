/** The state table's repositories, one per aggregate, built together by the composition root. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ActionExecutionRepo } from '../../../engine/actions/ports.js';
import type { AuthFailureRepo } from '../../../engine/connect/auth-failure.js';
import type { OAuthStateRepo } from '../../../engine/connect/oauth-state.js';
import type { LockRepo, SecretCipher, StateRepos } from '../../../engine/ports.js';
import { DynamoActionExecutionRepo } from './action-execution-repo.js';
import { DynamoAuthFailureRepo } from './auth-failure-repo.js';
import { DynamoConnectSessionRepo } from './connect-session-repo.js';
import { DynamoConnectionRepo } from './connection-repo.js';
import { DynamoConnectionSyncRepo } from './connection-sync-repo.js';
import { DynamoIntegrationConfigRepo } from './integration-config-repo.js';
import { DynamoLockRepo } from './lock-repo.js';
import { DynamoOAuthStateRepo } from './oauth-state-repo.js';
import { DynamoRunLogRepo } from './run-log-repo.js';
import { DynamoRunRepo } from './run-repo.js';
import { DynamoSeenIdRepo } from './seen-id-repo.js';

export interface DynamoStateOptions {
  doc: DynamoDBDocumentClient;
  tableName: string;
  now?: () => number;
  /** Seals connection credentials at rest (KMS in AWS, a local key file locally). */
  cipher?: SecretCipher;
  /** Finished runs expire (TTL) this many days after they finish; default `DEFAULT_RUN_RETENTION_DAYS`. */
  runRetentionDays?: number;
}

export function makeDynamoStateRepos(options: DynamoStateOptions): StateRepos & {
  locks: LockRepo;
  oauthStates: OAuthStateRepo;
  authFailures: AuthFailureRepo;
  actionExecutions: ActionExecutionRepo;
} {
  const table = { doc: options.doc, tableName: options.tableName, now: options.now ?? Date.now };
  return {
    connections: new DynamoConnectionRepo(table, options.cipher),
    connectionSyncs: new DynamoConnectionSyncRepo(table),
    runs: new DynamoRunRepo(table, options.runRetentionDays ? { retentionDays: options.runRetentionDays } : {}),
    runLogs: new DynamoRunLogRepo(table),
    seenIds: new DynamoSeenIdRepo(table),
    integrations: new DynamoIntegrationConfigRepo(table, options.cipher),
    connectSessions: new DynamoConnectSessionRepo(table),
    locks: new DynamoLockRepo(table),
    /** OAuth flows in progress (the API's `/oauth/*` routes only; not a `StateRepos` member). */
    oauthStates: new DynamoOAuthStateRepo(table),
    /** Failed connect attempts, for the failed `auth` webhook (the API's connect routes only). */
    authFailures: new DynamoAuthFailureRepo(table),
    /** Action executions, their outputs and logs (the actions API and the actions Lambda). */
    actionExecutions: new DynamoActionExecutionRepo(table),
  };
}

export { credentialsContext } from './connection-repo.js';
export { stateKeys } from './keys.js';
