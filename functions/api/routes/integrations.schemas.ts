/** Integrations as in Nango's API reference: `{data: …}`, snake_case, the client secret only on request. */
import * as z from 'zod';

export const UniqueKey = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/i, '1–64 letters, digits, ".", "-" or "_"')
  .meta({ description: 'The integration id (providerConfigKey)' });

export const IntegrationCredentialsInput = z
  .object({
    type: z.enum(['OAUTH2', 'OAUTH2_CC']),
    client_id: z.string().min(1).max(1_000),
    client_secret: z.string().min(1).max(4_000),
    scopes: z
      .union([z.string().max(4_000), z.array(z.string().max(200)).max(200), z.null()])
      .optional()
      .meta({ description: 'Comma-separated, as Nango takes them, or a list' }),
    webhook_secret: z
      .union([z.string().max(255), z.null()])
      .optional()
      .meta({ description: 'Accepted for Nango compatibility only empty or null: Syncline receives no provider webhooks' }),
  })
  .strict();

/** Nango fields for features Syncline lacks: accepted when they ask for nothing (see `refuseUnsupported` in integrations.ts). */
const NangoOnlyFields = {
  forward_webhooks: z.boolean().optional().meta({ description: 'Accepted for Nango compatibility only as false: Syncline receives no provider webhooks to forward' }),
  integration_config: z.record(z.string(), z.string()).optional().meta({ description: 'Accepted for Nango compatibility only empty: no catalog provider here takes integration config' }),
  custom: z.record(z.string(), z.string()).optional().meta({ description: 'Accepted for Nango compatibility only empty' }),
};

export const IntegrationSchema = z.object({
  unique_key: z.string(),
  provider: z.string(),
  display_name: z.string(),
  created_at: z.string().nullable(),
  updated_at: z.string().nullable(),
  /** Syncline extra: whether the integration's syncs are declared in code, and which. */
  syncs: z.array(z.string()),
});

export const IntegrationFullSchema = IntegrationSchema.extend({
  credentials: z
    .object({ type: z.string(), client_id: z.string(), client_secret: z.string().optional(), scopes: z.string() })
    .nullable()
    .optional()
    .meta({ description: 'With include=credentials: the OAuth app, its secret included' }),
});

export const CreateIntegrationBody = z
  .object({
    unique_key: UniqueKey,
    provider: z.string().min(1).max(100),
    display_name: z.string().min(1).max(200).optional(),
    credentials: IntegrationCredentialsInput.optional(),
    ...NangoOnlyFields,
  })
  .strict();
export const UpdateIntegrationBody = z
  .object({
    unique_key: UniqueKey.optional(),
    display_name: z.string().min(1).max(200).optional(),
    credentials: IntegrationCredentialsInput.optional(),
    ...NangoOnlyFields,
  })
  .strict();
export const IntegrationPath = z.object({ uniqueKey: UniqueKey }).strict();
export const GetIntegrationQuery = z.object({
  include: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((value) =>
      [value ?? []]
        .flat()
        .flatMap((v) => v.split(','))
        .map((v) => v.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(['webhook', 'credentials'])))
    .meta({ description: 'credentials: include the client secret' }),
});

export const IntegrationsResponse = z.object({ data: z.array(IntegrationSchema) });
export const IntegrationResponse = z.object({ data: IntegrationFullSchema });
