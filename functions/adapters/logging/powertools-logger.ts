/**
 * The engine's `Logger` port over Powertools for AWS Lambda: structured JSON lines with the
 * run id, integration and connection as keys, which CloudWatch Logs Insights can query.
 */
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { Logger, LogLevel } from '../../engine/ports.js';

export function makePowertoolsLogger(serviceName: string): Logger & { powertools: PowertoolsLogger } {
  return wrap(new PowertoolsLogger({ serviceName }));
}

function wrap(powertools: PowertoolsLogger): Logger & { powertools: PowertoolsLogger } {
  return {
    powertools,
    log(level: LogLevel, message: string, fields?: Record<string, unknown>) {
      powertools[level](message, fields ?? {});
    },
    // A child, not `appendKeys` on the shared logger: concurrent work (a batch's messages) keeps its own keys.
    withKeys(keys: Record<string, string>) {
      const child = powertools.createChild();
      child.appendKeys(keys);
      return wrap(child);
    },
  };
}
