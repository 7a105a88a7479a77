import type { RunMessage, RunQueue } from '../../functions/engine/ports.js';

/** An in-memory stand-in for the run queue port, for engine tests that drive the executor by hand. */
export class MemoryRunQueue implements RunQueue {
  readonly messages: RunMessage[] = [];
  async send(messages: RunMessage[]): Promise<void> {
    this.messages.push(...messages.map((m) => ({ ...m })));
  }
  take(): RunMessage[] {
    return this.messages.splice(0);
  }
}
