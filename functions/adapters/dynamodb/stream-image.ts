/** Turns a DynamoDB stream image (AttributeValue JSON, as Lambda delivers it) into a plain object. */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';

export function unmarshallImage(image: Record<string, unknown>): Record<string, unknown> {
  return unmarshall(image as Record<string, AttributeValue>);
}

/**
 * Only the named attributes of an image, still marshalled: what is left out (a connection's
 * sealed credentials) is never decoded, held as a value, or reachable by a log line.
 */
export function pickAttributes(image: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(names.filter((name) => Object.hasOwn(image, name)).map((name) => [name, image[name]]));
}
