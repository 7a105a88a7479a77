/**
 * The execution state machine as data (`execution-states.ts`): the table is consistent, the
 * DynamoDB repo's conditions name exactly the statuses the table lets each write leave, and the
 * in-memory repo accepts exactly those (its guards satisfied), moving only where the table says.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoActionExecutionRepo } from '../../../functions/adapters/dynamodb/state/action-execution-repo.js';
import { ACTION_EXECUTION_TRANSITIONS, ACTION_EXECUTION_WRITES, type ActionExecutionWrite, canTransition, writeLeaves } from '../../../functions/engine/actions/execution-states.js';
import { ACTION_EXECUTION_STATUSES, type ActionExecution, type ActionExecutionStatus } from '../../../functions/engine/actions/ports.js';
import { MemoryActionExecutions } from '../../support/memory-action-executions.js';

const NOW = 1_800_000_000_000;
const WRITES = Object.keys(ACTION_EXECUTION_WRITES) as ActionExecutionWrite[];
const failure = { type: 'script_internal_error', status: 500, message: 'x', payload: {} };

describe('the action execution state table', () => {
  it('covers every status, ends at SUCCESS and ERROR, and allows each write only changes it lists', () => {
    expect(Object.keys(ACTION_EXECUTION_TRANSITIONS).sort()).toEqual([...ACTION_EXECUTION_STATUSES].sort());
    expect(ACTION_EXECUTION_TRANSITIONS.SUCCESS).toEqual([]);
    expect(ACTION_EXECUTION_TRANSITIONS.ERROR).toEqual([]);
    for (const write of WRITES) {
      for (const from of ACTION_EXECUTION_WRITES[write].from) for (const to of ACTION_EXECUTION_WRITES[write].to) expect(canTransition(from, to), `${write}: ${from} → ${to}`).toBe(true);
    }
    // Every allowed change is made by some write.
    for (const from of ACTION_EXECUTION_STATUSES) {
      for (const to of ACTION_EXECUTION_TRANSITIONS[from]) {
        expect(
          WRITES.some((w) => writeLeaves(w, from) && (ACTION_EXECUTION_WRITES[w].to as readonly string[]).includes(to)),
          `${from} → ${to}`,
        ).toBe(true);
      }
    }
  });
});

describe('the DynamoDB repo', () => {
  it('conditions each write on exactly the statuses the table lets it leave', async () => {
    const sent: { name: string; input: Record<string, any> }[] = [];
    const doc = {
      send: async (command: { constructor: { name: string }; input: Record<string, any> }) => {
        sent.push({ name: command.constructor.name, input: command.input });
        // Refused: the writes that read back their item then answer null, the others don't care.
        if (command.constructor.name === 'UpdateCommand' && command.input['ReturnValues'] === 'ALL_NEW') throw new ConditionalCheckFailedException({ message: 'no', $metadata: {} });
        return {};
      },
    };
    const repo = new DynamoActionExecutionRepo({ doc: doc as never, tableName: 'state', now: () => NOW });

    const calls: Record<ActionExecutionWrite, () => Promise<unknown>> = {
      startAttempt: () => repo.startAttempt('e', NOW, NOW + 1),
      claimInvocation: () => repo.claimInvocation('e'),
      requeue: () => repo.requeue('e', failure),
      finish: () => repo.finish('e', { status: 'ERROR', error: failure }, NOW),
    };
    for (const write of WRITES) {
      sent.length = 0;
      await calls[write]();
      const update = sent[0]!.name === 'TransactWriteCommand' ? sent[0]!.input['TransactItems'][0].Update : sent[0]!.input;
      expect(conditionStatuses(update), write).toEqual([...ACTION_EXECUTION_WRITES[write].from].sort());
    }
  });
});

describe('the in-memory repo', () => {
  it('accepts each write from exactly the statuses the table allows, and moves where it says', async () => {
    for (const write of WRITES) {
      for (const status of ACTION_EXECUTION_STATUSES) {
        const repo = new MemoryActionExecutions();
        // The guards beside the status satisfied: an expired lease, a sync execution not claimed yet.
        const execution = item(status, write === 'claimInvocation' ? { mode: 'sync', attempts: 0 } : { mode: 'async', attempts: 1, leaseUntil: NOW - 1 });
        await repo.create(execution);
        const accepted = await apply(repo, write);
        expect(accepted, `${write} from ${status}`).toBe(writeLeaves(write, status));
        const after = (await repo.get('e'))!.status;
        if (accepted) expect(ACTION_EXECUTION_WRITES[write].to as readonly string[], `${write} from ${status}`).toContain(after);
        else expect(after).toBe(status);
      }
    }
  });
});

/** The statuses a condition's `#status IN (…)` / `#status = …` clause names. */
function conditionStatuses(update: { ConditionExpression: string; ExpressionAttributeValues: Record<string, unknown> }): string[] {
  const clause = /^#status (?:IN \(([^)]*)\)|= (:\w+))/.exec(update.ConditionExpression);
  if (!clause) throw new Error(`no leading status clause in ${update.ConditionExpression}`);
  const names = (clause[1] ?? clause[2]!).split(',').map((n) => n.trim());
  return names.map((n) => String(update.ExpressionAttributeValues[n])).sort();
}

async function apply(repo: MemoryActionExecutions, write: ActionExecutionWrite): Promise<boolean> {
  switch (write) {
    case 'startAttempt':
      return (await repo.startAttempt('e', NOW, NOW + 1)) !== null;
    case 'claimInvocation':
      return (await repo.claimInvocation('e')) !== null;
    case 'requeue':
      return repo.requeue('e', failure).then(
        () => true,
        () => false,
      );
    case 'finish':
      return repo.finish('e', { status: 'ERROR', error: failure }, NOW);
  }
}

function item(status: ActionExecutionStatus, extra: Partial<ActionExecution>): ActionExecution {
  return {
    id: 'e',
    providerConfigKey: 'crm',
    connectionId: 'acme',
    actionName: 'a',
    mode: 'async',
    status,
    createdAt: NOW - 10,
    startedAt: null,
    finishedAt: null,
    attempts: 0,
    maxRetries: 0,
    input: null,
    error: null,
    checkpoint: null,
    leaseUntil: null,
    ...extra,
  };
}
