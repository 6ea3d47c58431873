import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, Billing, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
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
      partitionKey: { name: 'PK', type: AttributeType.STRING },
      sortKey: { name: 'SK', type: AttributeType.STRING },
      billing: Billing.onDemand(),
      timeToLiveAttribute: 'ttl',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    new CfnOutput(this, 'WindowStateTableName', { value: this.stateTable.tableName });
  }
}
