/** DynamoDB calls the adapters share: each turns an SDK failure into an `InfrastructureError` saying what was being done. */
import { GetCommand, paginateQuery, type DynamoDBDocumentClient, type QueryCommandInput, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { asInfrastructureError } from '../../engine/errors.js';

/** Runs a DynamoDB call; a failure becomes an `InfrastructureError` saying what was being done. */
export async function withInfrastructureErrors<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw asInfrastructureError(error, what);
  }
}

/** A strongly consistent GetItem. */
export async function getItemConsistent(doc: DynamoDBDocumentClient, tableName: string, key: { pk: string; sk: string }, what: string): Promise<Record<string, unknown> | undefined> {
  const response = await withInfrastructureErrors(what, () => doc.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true })));
  return response.Item;
}

/**
 * Every page of a Query, in order, from the SDK's paginator; a failed call becomes an
 * `InfrastructureError` saying what was being done. A caller that stops early (break, return)
 * ends the paginator without reading further pages.
 */
export async function* queryPages(doc: DynamoDBDocumentClient, input: QueryCommandInput, what: string): AsyncGenerator<QueryCommandOutput, void, undefined> {
  try {
    // Errors of the caller's own loop body end this generator through return(), not throw():
    // only the paginator's calls are caught here.
    for await (const page of paginateQuery({ client: doc }, input)) yield page;
  } catch (error) {
    throw asInfrastructureError(error, what);
  }
}
