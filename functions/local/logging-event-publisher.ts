/** The local stand-in for the EventBridge bus: each event (run result, auth error, connect, finished async action) becomes one log line. */
import type { Logger } from '../engine/ports.js';
import type { EventPublisher, PublishedEvent } from '../engine/webhooks/ports.js';
import { EVENT_SOURCE } from '../adapters/eventbridge/event-publisher.js';

export class LoggingEventPublisher implements EventPublisher {
  constructor(private readonly logger: Logger) {}

  async publish(events: PublishedEvent[]): Promise<void> {
    for (const event of events) {
      const { detail } = event;
      if (detail.type === 'async_action') {
        this.logger.log('info', `event ${EVENT_SOURCE}/${event.detailType}: execution ${detail.payload.id}`, { providerConfigKey: detail.providerConfigKey, connectionId: detail.connectionId });
        continue;
      }
      if (detail.type !== 'auth') {
        const summary = detail.success
          ? `${detail.model} +${detail.responseResults.added} ~${detail.responseResults.updated} -${detail.responseResults.deleted}`
          : `${detail.error.type}: ${detail.error.description}`;
        this.logger.log('info', `event ${EVENT_SOURCE}/${event.detailType}: ${summary}`, {
          providerConfigKey: detail.providerConfigKey,
          connectionId: detail.connectionId,
          syncName: detail.syncName,
        });
        continue;
      }
      const summary = detail.success ? detail.operation : detail.error.type;
      this.logger.log('info', `event ${EVENT_SOURCE}/${event.detailType}: ${summary}`, { providerConfigKey: detail.providerConfigKey, connectionId: detail.connectionId });
    }
  }
}
