/**
 * What `import ... from 'nango'` resolves to inside Syncline: scripts written for Nango's
 * syncs run unchanged. Resolved by the tsconfig path, the test alias and the bundler alias.
 */
export { createSync, legacySync } from '../sync-definition.js';
export type { CreateSyncConfig, ModelMap } from '../sync-definition.js';
export type { NangoSync, ProxyResponse } from './nango-sync-types.js';
export type { NangoConnection, NangoCredentials } from './nango-connection.js';
export type { ProxyConfiguration, PaginationConfig } from '../http/proxy-config.js';
