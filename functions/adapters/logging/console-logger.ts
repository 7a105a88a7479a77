/** A readable one-line-per-event logger for the local runtime and tools. */
import type { Logger, LogLevel } from '../../engine/ports.js';

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export function makeConsoleLogger(options: { minLevel?: LogLevel; write?: (line: string) => void } = {}): Logger {
  const min = ORDER[options.minLevel ?? 'info'];
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const make = (keys: Record<string, string>): Logger => ({
    log(level, message, fields) {
      if (ORDER[level] < min) return;
      const time = new Date().toISOString().slice(11, 19);
      write(`${time} ${level.toUpperCase().padEnd(5)}${where(keys, fields)} ${message}`);
    },
    withKeys: (more) => make({ ...keys, ...more }),
  });
  return make({});
}

/** `[integration/sync/connection]`, from the logger's keys or, failing those, the line's fields. */
function where(keys: Record<string, string>, fields: Record<string, unknown> | undefined): string {
  if (keys['sync']) return ` [${keys['integration']}/${keys['sync']}/${keys['connection']}]`;
  return fields?.['syncName'] ? ` [${fields['providerConfigKey']}/${fields['syncName']}/${fields['connectionId']}]` : '';
}
