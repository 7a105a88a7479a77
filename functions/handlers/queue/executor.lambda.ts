/** Lambda entry: the executor, triggered by the run queue (SQS, partial batch responses). */
import { KeyEnv, QueueEnv, readEnv, TablesEnv } from '../env.js';
import { makeLambdaSyncline } from '../lambda-syncline.js';
import { makeExecutorHandler } from './executor-handler.js';

const syncline = makeLambdaSyncline('syncline-executor', readEnv(TablesEnv.merge(QueueEnv).merge(KeyEnv)));

export const handler = makeExecutorHandler(syncline.executorDeps);
