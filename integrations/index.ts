/**
 * Every integration Syncline runs. Add a folder under `integrations/` with an `index.ts` that
 * default-exports `defineIntegration({...})`, then list it here.
 */
import type { IntegrationDeclaration } from '../functions/engine/integration.js';
import demoCrm from './demo-crm/index.js';

export const integrations: IntegrationDeclaration[] = [demoCrm];
