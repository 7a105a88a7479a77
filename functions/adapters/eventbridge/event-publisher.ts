/**
 * Run results and auth errors on an EventBridge bus (the `EventPublisher` port): source
 * `syncline`, detail-type `sync.success` / `sync.error` / `auth.refresh_error` / `auth.creation` / `auth.override` / `async_action`, detail = the
 * webhook payload, so a rule such as
 * `{"source": ["syncline"], "detail-type": ["sync.success"], "detail": {"model": ["Contact"]}}`
 * can route results without a webhook. PutEvents takes 10 entries per call; entries it
 * reports as failed (throttling) are retried a few times, then the call throws so the stream
 * batch is retried.
 */
import { PutEventsCommand, type PutEventsCommandOutput, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { asInfrastructureError } from '../../engine/errors.js';
import type { EventPublisher, PublishedEvent } from '../../engine/webhooks/ports.js';

export const EVENT_SOURCE = 'syncline';
const BATCH = 10;
const ATTEMPTS = 3;

export interface EventBridgePublisherOptions {
  client: EventBridgeClient;
  busName: string;
}

export class EventBridgePublisher implements EventPublisher {
  constructor(private readonly options: EventBridgePublisherOptions) {}

  async publish(events: PublishedEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += BATCH) {
      let entries: PutEventsRequestEntry[] = events.slice(i, i + BATCH).map((event) => ({
        EventBusName: this.options.busName,
        Source: EVENT_SOURCE,
        DetailType: event.detailType,
        Detail: JSON.stringify(event.detail),
      }));
      for (let attempt = 1; entries.length > 0; attempt++) {
        let response: PutEventsCommandOutput;
        try {
          response = await this.options.client.send(new PutEventsCommand({ Entries: entries }));
        } catch (error) {
          throw asInfrastructureError(error, 'publishing run results');
        }
        const failed = entries.filter((_, index) => response.Entries?.[index]?.ErrorCode);
        if (failed.length > 0 && attempt >= ATTEMPTS) {
          const first = response.Entries?.find((e) => e.ErrorCode);
          throw asInfrastructureError(new Error(`${failed.length} events were not accepted: ${first?.ErrorCode} ${first?.ErrorMessage ?? ''}`), 'publishing run results');
        }
        entries = failed;
      }
    }
  }
}
