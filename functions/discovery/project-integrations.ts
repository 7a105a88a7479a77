/**
 * The project's integrations, found from its folders at start-up (see `scan.ts`). Lambda bundles
 * import the same name from a static registry generated at synth (`static-registry.ts`), because
 * a bundle cannot import files it did not see.
 */
import { discoverIntegrations } from './discover.js';

export const integrations = await discoverIntegrations();
