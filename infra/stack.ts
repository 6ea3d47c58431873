import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { type AttributeType, Billing, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { windowStateTable } from '../lib/adapters/dynamodb/table.js';
import type { WindrowConfig } from '../lib/core/config/config.js';

export interface WindrowStackProps extends StackProps {
  readonly config: WindrowConfig;
}

/**
 * windrow on AWS. For now: the window-state table (DESIGN.md §3). The ingest, planner, close-worker
 * and query functions, the HTTP API, queues and schedules arrive with their issues.
 */
export class WindrowStack extends Stack {
  readonly stateTable: TableV2;

  constructor(scope: Construct, id: string, props: WindrowStackProps) {
    super(scope, id, props);
    this.stateTable = new TableV2(this, 'WindowState', {
      // The same definition the local runner creates in dynalite (lib/adapters/dynamodb/table.ts).
      partitionKey: {
        name: windowStateTable.partitionKey.name,
        type: windowStateTable.partitionKey.type as AttributeType,
      },
      sortKey: { name: windowStateTable.sortKey.name, type: windowStateTable.sortKey.type as AttributeType },
      billing: Billing.onDemand(),
      timeToLiveAttribute: windowStateTable.timeToLiveAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    new CfnOutput(this, 'WindowStateTableName', { value: this.stateTable.tableName });
  }
}
