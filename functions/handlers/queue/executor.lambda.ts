/** Lambda entry: the executor, triggered by the run queue (SQS, partial batch responses). */
import { KeyEnv, QueueEnv, RunnerEnv, readEnv, runnerConfigFrom, TablesEnv } from '../env.js';
import { makeLambdaSyncline } from '../lambda-syncline.js';
import { makeExecutorHandler } from './executor-handler.js';

const env = readEnv(TablesEnv.merge(QueueEnv).merge(KeyEnv).merge(RunnerEnv));
const syncline = makeLambdaSyncline('syncline-executor', env, { runner: runnerConfigFrom(env) });

export const handler = makeExecutorHandler(syncline.executorDeps);
