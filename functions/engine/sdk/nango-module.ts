/**
 * What `import ... from 'nango'` resolves to inside Syncline: scripts written for Nango run
 * unchanged. Resolved by the tsconfig path, the test alias, the bundler alias and the loader hook
 * that `npm start` and `npm run compat` use for a Nango-layout folder.
 *
 * Nango's module exports `NangoSync`, `NangoAction` and `ProxyConfiguration` as types only, and
 * scripts often import them without `type`. Under `verbatimModuleSyntax` (or any per-file
 * transpiler that keeps imports) that import needs a runtime export of the same name to load,
 * so each has one below: a frozen marker object, never meant to be used as a value.
 */
import type { ProxyConfiguration as ProxyConfigurationType } from '../http/proxy-config.js';
import type { ModelMap } from '../sync-definition.js';
import type { AnyCheckpoint, NangoAction as NangoActionType, NangoSync as NangoSyncType, ZodCheckpoint, ZodMetadata } from './nango-sync-types.js';

export { createSync, legacySync } from '../sync-definition.js';
export { createAction, createOnEvent } from '../script-definition.js';
export { ActionError } from './action-error.js';
export type { CreateSyncConfig, CreateSyncConfig as CreateSyncProps, ModelMap } from '../sync-definition.js';
export type { CreateActionConfig, CreateActionConfig as CreateActionProps, CreateOnEventConfig, CreateOnEventConfig as CreateOnEventProps } from '../script-definition.js';
export type { MaybePromise, ProxyResponse, ZodCheckpoint, ZodMetadata, ZodModels } from './nango-sync-types.js';
export type { NangoConnection, NangoCredentials } from './nango-connection.js';
export type { CursorPagination, LinkPagination, OffsetPagination, PaginationConfig, PaginationConfig as Pagination } from '../http/proxy-config.js';

export type NangoSync<
  TModels extends ModelMap = ModelMap,
  TMetadata extends ZodMetadata = ZodMetadata,
  TCheckpoint extends ZodCheckpoint = AnyCheckpoint,
  TModelName extends keyof TModels = keyof TModels,
> = NangoSyncType<TModels, TMetadata, TCheckpoint, TModelName>;
export type NangoAction<TMetadata extends ZodMetadata = ZodMetadata, TCheckpoint extends ZodCheckpoint = AnyCheckpoint> = NangoActionType<TMetadata, TCheckpoint>;
export type ProxyConfiguration = ProxyConfigurationType;

export const NangoSync = typeMarker('NangoSync');
export const NangoAction = typeMarker('NangoAction');
export const ProxyConfiguration = typeMarker('ProxyConfiguration');

function typeMarker(name: string): Readonly<{ typeOnly: string }> {
  return Object.freeze({ typeOnly: name });
}
