/** Small helpers the state-table adapters share: one place turns SDK failures into InfrastructureError. */
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { asInfrastructureError } from '../../engine/errors.js';

/** Runs a DynamoDB call; a failure becomes an `InfrastructureError` saying what was being done. */
export async function infra<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw asInfrastructureError(error, what);
  }
}

/** A strongly consistent GetItem. */
export async function getItem(doc: DynamoDBDocumentClient, tableName: string, key: { pk: string; sk: string }, what: string): Promise<Record<string, unknown> | undefined> {
  const response = await infra(what, () => doc.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true })));
  return response.Item;
}
