/**
 * A provider as data: how to reach an external API and authenticate to it, what its rate-limit
 * answers look like, how its lists page by default, and what a connect form must ask for. The
 * catalog (`catalog/`) holds Syncline's own entries, written from each provider's public API
 * documentation; an integration names one (`provider: 'hubspot'`) or declares its own inline.
 *
 * Templates: strings may contain `${connectionConfig.name}`, `${credentials.raw.name}` (a field
 * of the token response or imported credentials), and in proxy headers and query parameters
 * also `${accessToken}`, `${apiKey}`, `${username}`, `${password}`, `${basicAuth}`
 * (base64 of `username:password`). `${a || b}` falls back to `b` when `a` is empty, and a quoted
 * literal may end a fallback chain: `${connectionConfig.region || 'us'}`.
 */
import * as z from 'zod';

const Template = z.string().min(1);
const Url = Template.regex(/^(https?:\/\/|\$\{)/, 'must be an absolute http(s) URL or start with a template');

function isRegExpSource(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

/** A field a connect form asks for, stored in the connection's `connection_config`. */
export const ConnectionConfigFieldSchema = z.strictObject({
  title: z.string().min(1),
  description: z.string().optional(),
  /**
   * A regular expression (source) the value must match in full, e.g. `^[a-z0-9-]+$`: enforced
   * when a connection is imported and before a token URL is rendered (`connection-config.ts`).
   */
  pattern: z.string().refine(isRegExpSource, 'must be a valid regular expression').optional(),
  example: z.string().optional(),
  optional: z.boolean().default(false),
});

/**
 * How the provider says "slow down". `statuses` are rate-limit answers; with `remainingHeader`
 * a status counts only when that header says 0 (GitHub answers 403 for missing permissions too).
 * `wait` names the header carrying the wait and how to read it.
 */
export const RetryRuleSchema = z.strictObject({
  statuses: z.array(z.number().int().min(400).max(599)).min(1).default([429]),
  remainingHeader: z.string().toLowerCase().optional(),
  wait: z
    .strictObject({
      header: z.string().toLowerCase(),
      /** `seconds`: seconds to wait; `epoch-seconds` / `epoch-ms`: the time the limit resets; `http-date`: Retry-After's date form. */
      format: z.enum(['seconds', 'epoch-seconds', 'epoch-ms', 'http-date']),
    })
    .optional(),
});

const OAuthCommon = {
  /** Where tokens are issued and refreshed. Every catalog entry has one; an inline provider whose tokens are imported may leave it out. */
  tokenUrl: Url.optional(),
  defaultScopes: z.array(z.string()).default([]),
  /** Joins scopes in the authorization URL and token requests; most providers use a space. */
  scopeSeparator: z.string().default(' '),
  /** How the client authenticates at the token endpoint: in the form body, or HTTP Basic. */
  tokenRequestAuth: z.enum(['body', 'basic']).default('body'),
  /** Extra form fields of every token request. */
  tokenParams: z.record(z.string(), z.string()).default({}),
};

export const OAuth2AuthSchema = z.strictObject({
  mode: z.literal('OAUTH2'),
  /** The consent page (authorization-code flow). Every catalog entry has one. */
  authorizationUrl: Url.optional(),
  ...OAuthCommon,
  /** Where refresh requests go when not the token URL. */
  refreshUrl: Url.optional(),
  /** Extra query parameters of the authorization URL (e.g. `access_type=offline`). */
  authorizationParams: z.record(z.string(), z.string()).default({}),
  pkce: z.boolean().default(false),
  /**
   * Fields of the token response kept in `connection_config` (`{instance_url: 'instance_url'}`:
   * config name → dot path in the response), so a base URL can use them.
   */
  tokenResponseToConnectionConfig: z.record(z.string(), z.string()).default({}),
  /**
   * For tokens the provider issues without `expires_in`: refresh once they are this old. Unset:
   * such tokens are used until the provider answers 401, then refreshed once.
   */
  refreshWithoutExpiryAfterMs: z.number().int().positive().optional(),
});

export const OAuth2ClientCredentialsAuthSchema = z.strictObject({ mode: z.literal('OAUTH2_CC'), ...OAuthCommon });
export const ApiKeyAuthSchema = z.strictObject({ mode: z.literal('API_KEY') });
export const BasicAuthSchema = z.strictObject({ mode: z.literal('BASIC') });
export const NoAuthSchema = z.strictObject({ mode: z.literal('NONE') });

export const ProviderAuthSchema = z.discriminatedUnion('mode', [OAuth2AuthSchema, OAuth2ClientCredentialsAuthSchema, ApiKeyAuthSchema, BasicAuthSchema, NoAuthSchema]);
export type ProviderAuthMode = z.infer<typeof ProviderAuthSchema>['mode'];

const PaginationBase = {
  limit: z.number().int().positive().optional(),
  limit_name_in_request: z.string().optional(),
  response_path: z.string().optional(),
  in_body: z.boolean().optional(),
};

/** A provider's usual list paging, in Nango's field names; a script's partial `paginate` block is merged over it. */
export const DefaultPaginationSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('cursor'), cursor_path_in_response: z.string(), cursor_name_in_request: z.string(), ...PaginationBase }),
  z.strictObject({ type: z.literal('link'), link_rel_in_response_header: z.string().optional(), link_path_in_response_body: z.string().optional(), ...PaginationBase }),
  z.strictObject({
    type: z.literal('offset'),
    offset_name_in_request: z.string(),
    offset_start_value: z.number().int().optional(),
    offset_calculation_method: z.enum(['per-page', 'by-response-size']).optional(),
    ...PaginationBase,
  }),
]);

export const ProviderSchema = z.strictObject({
  /** Catalog key, lower-case (`hubspot`, `salesforce-sandbox`); an inline provider may leave it out. */
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/)
    .optional(),
  displayName: z.string().min(1).optional(),
  categories: z.array(z.string()).default([]),
  /** The provider's API documentation this entry was written from (every catalog entry has one). */
  docs: z.url().optional(),
  baseUrl: Url,
  auth: ProviderAuthSchema,
  /** Headers and query parameters of every proxied call; the default puts the credential in `Authorization` (see `defaultProxy`). */
  proxy: z
    .strictObject({
      headers: z.record(z.string(), Template).default({}),
      query: z.record(z.string(), Template).default({}),
    })
    .optional(),
  retry: RetryRuleSchema.default({ statuses: [429], wait: { header: 'retry-after', format: 'seconds' } }),
  pagination: DefaultPaginationSchema.optional(),
  connectionConfig: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/), ConnectionConfigFieldSchema).default({}),
});

/** A provider as written (defaults not applied yet). */
export type ProviderInput = z.input<typeof ProviderSchema>;
/** A validated provider, defaults applied. */
export type Provider = z.output<typeof ProviderSchema>;

/** Where the credential goes when a provider does not say: `Authorization`, as a bearer token or Basic. */
export function defaultProxy(mode: ProviderAuthMode): { headers: Record<string, string>; query: Record<string, string> } {
  switch (mode) {
    case 'OAUTH2':
    case 'OAUTH2_CC':
      return { headers: { authorization: 'Bearer ${accessToken}' }, query: {} };
    case 'API_KEY':
      return { headers: { authorization: 'Bearer ${apiKey}' }, query: {} };
    case 'BASIC':
      return { headers: { authorization: 'Basic ${basicAuth}' }, query: {} };
    case 'NONE':
      return { headers: {}, query: {} };
  }
}

/** A provider as written → validated, defaults applied; throws a zod error naming the bad field. */
export function parseProvider(input: ProviderInput): Provider {
  return ProviderSchema.parse(input);
}

/** Declares a catalog entry with its types checked at the call site; the catalog validates it again at load. */
export function defineProvider(input: ProviderInput): ProviderInput {
  return input;
}
