/** Lambda entry: the fan-out, invoked by EventBridge Scheduler with `{integration, sync, connection?, scheduledAt}`. */
import { QueueEnv, readEnv, TablesEnv } from '../env.js';
import { makeLambdaSyncline } from '../lambda-syncline.js';
import { makeFanOutHandler } from './fan-out-handler.js';

const syncline = makeLambdaSyncline('syncline-fan-out', readEnv(TablesEnv.merge(QueueEnv)));

export const handler = makeFanOutHandler({ ...syncline.fanOutDeps, logger: syncline.logger });
