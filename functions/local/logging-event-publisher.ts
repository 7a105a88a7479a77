/** The local stand-in for the EventBridge bus: each run-result event becomes one log line. */
import type { Logger } from '../engine/ports.js';
import type { EventPublisher, SyncResultEvent } from '../engine/webhooks/ports.js';
import { EVENT_SOURCE } from '../adapters/eventbridge/event-publisher.js';

export class LoggingEventPublisher implements EventPublisher {
  constructor(private readonly logger: Logger) {}

  async publish(events: SyncResultEvent[]): Promise<void> {
    for (const event of events) {
      const { detail } = event;
      const summary = detail.success
        ? `${detail.model} +${detail.responseResults.added} ~${detail.responseResults.updated} -${detail.responseResults.deleted}`
        : `${detail.error.type}: ${detail.error.description}`;
      this.logger.log('info', `event ${EVENT_SOURCE}/${event.detailType}: ${summary}`, {
        providerConfigKey: detail.providerConfigKey,
        connectionId: detail.connectionId,
        syncName: detail.syncName,
      });
    }
  }
}
