/**
 * The close worker Lambda: SQS batches of close jobs from the planner, each closed with
 * `closeWindow`; failed jobs are reported as partial batch failures and come back after the
 * visibility timeout (then to the dead-letter queue). Built once at cold start.
 */
import { awsClosePorts } from './aws-ports.js';
import { composeClose, readCloseEnvironment } from './compose.js';
import { createCloseWorkerHandler } from './create-handler.js';

const environment = readCloseEnvironment(process.env);

export const handler = createCloseWorkerHandler({
  close: composeClose(environment.config, awsClosePorts(environment)),
  tierNames: environment.config.tiers.map((t) => t.name),
});
