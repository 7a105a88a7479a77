/** Schema pieces several routes share: identifiers as Nango names them, dates, metadata. */
import * as z from 'zod';

export const ProviderConfigKey = z.string().min(1).max(64).meta({ description: 'The integration ID (Nango: unique key / provider config key)' });
export const ConnectionId = z.string().min(1).max(255).meta({ description: 'The connection ID the connection was created with' });
export const SyncName = z.string().min(1).max(128);
export const IsoDateTime = z.iso.datetime({ offset: true });
export const Metadata = z.record(z.string(), z.unknown()).meta({ description: 'Free-form JSON object' });
export const SuccessResponse = z.object({ success: z.literal(true) });

/** The headers `GET /records` (and optionally the sync controls) identify the connection with. */
export const ConnectionHeaders = z.object({
  'Connection-Id': ConnectionId,
  'Provider-Config-Key': ProviderConfigKey,
});

export const iso = (ms: number): string => new Date(ms).toISOString();
