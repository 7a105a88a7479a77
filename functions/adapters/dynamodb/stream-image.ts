/** Turns a DynamoDB stream image (AttributeValue JSON, as Lambda delivers it) into a plain object. */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';

export function unmarshallImage(image: Record<string, unknown>): Record<string, unknown> {
  return unmarshall(image as Record<string, AttributeValue>);
}
