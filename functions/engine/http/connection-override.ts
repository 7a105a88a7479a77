/**
 * Nango lets one call go through another connection: `nango.proxy({ ..., connectionId: 'other' })`.
 * These helpers decide whether a configuration names a connection other than the client's own.
 */
import { ProxyConfigError } from './errors.js';
import type { ProxyConfiguration } from './proxy-config.js';

/** A connection as scripts name it. */
export interface ConnectionRef {
  providerConfigKey: string;
  connectionId: string;
}

/**
 * The connection a call names when it is not the client's own; undefined for the client's own
 * (no override, or an override naming `self`). Each half defaults to the client's, as on Nango.
 */
export function overriddenConnection(config: ProxyConfiguration, self: ConnectionRef | undefined): ConnectionRef | undefined {
  const { providerConfigKey, connectionId } = config;
  if (providerConfigKey === undefined && connectionId === undefined) return undefined;
  for (const [name, value] of [
    ['providerConfigKey', providerConfigKey],
    ['connectionId', connectionId],
  ] as const) {
    if (value !== undefined && (typeof value !== 'string' || value === '')) throw new ProxyConfigError(`${name} must be a non-empty string when given`);
  }
  const ref = { providerConfigKey: providerConfigKey ?? self?.providerConfigKey, connectionId: connectionId ?? self?.connectionId };
  if (self && ref.providerConfigKey === self.providerConfigKey && ref.connectionId === self.connectionId) return undefined;
  if (ref.providerConfigKey === undefined || ref.connectionId === undefined) {
    throw new ProxyConfigError('A per-call connection override must name both providerConfigKey and connectionId here: this client does not know its own connection');
  }
  return ref as ConnectionRef;
}

/** The configuration without its connection fields, for the client of the connection it named. */
export function withoutConnection<C extends ProxyConfiguration>(config: C): C {
  const copy = { ...config };
  delete copy.providerConfigKey;
  delete copy.connectionId;
  return copy;
}
