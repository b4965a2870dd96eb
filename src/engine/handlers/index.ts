/** One handler per queue message kind. */
import type { MessageKind, EngineMessage } from '../messages.js';
import type { HandlerContext } from './context.js';
import { startExecution } from './start-execution.js';
import { startStage } from './start-stage.js';
import { runTask } from './run-task.js';
import { completeExecution } from './complete-execution.js';
import { cancelExecution } from './cancel-execution.js';
import { startWaitingExecutions } from './start-waiting.js';

export const HANDLERS: Record<MessageKind, (h: HandlerContext, msg: EngineMessage) => Promise<void>> = {
  StartExecution: startExecution,
  StartStage: startStage,
  RunTask: runTask,
  CompleteExecution: completeExecution,
  CancelExecution: cancelExecution,
  StartWaitingExecutions: startWaitingExecutions,
};

export { HandlerContext, findStage } from './context.js';
