import { type CfnElement, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { type CfnStage, HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { type AttributeType, Billing, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { CfnDatabase, CfnTable } from 'aws-cdk-lib/aws-timestream';
import type { Construct, IConstruct } from 'constructs';
import { resultsTable, type TableDefinition, windowStateTable } from '../lib/adapters/dynamodb/table.js';
import { timestreamTableName } from '../lib/adapters/timestream/table-name.js';
import { timestreamMemoryHours } from '../lib/adapters/timestream/table-retention.js';
import { describeConfig, type WindrowConfig } from '../lib/core/config/config.js';
import { acknowledgeFindings } from './nag.js';
import { WindrowFunction } from './windrow-function.js';

export interface WindrowStackProps extends StackProps {
  readonly config: WindrowConfig;
  /** Where the PostgreSQL sink's database is (`sink: 'postgres'`): top-level context, never in `windrow`. */
  readonly postgres?: PostgresDeployment;
}

/**
 * `-c postgresSecretArn=…` (and optionally `-c vpcSubnetIds=… -c vpcSecurityGroupIds=…`): the
 * Secrets Manager secret holding the connection URL (or an RDS-managed JSON secret), read by the
 * close worker and query functions at their first use; with subnets and security groups, those two
 * functions run in that VPC (Aurora, RDS), which then needs VPC endpoints (or a NAT) for DynamoDB,
 * SQS and Secrets Manager — see the README.
 */
export interface PostgresDeployment {
  /** The complete ARN (with its 6-character suffix): the grant names exactly this secret. */
  readonly secretArn: string;
  readonly vpc?: { readonly subnetIds: readonly string[]; readonly securityGroupIds: readonly string[] };
}

/** Amazon's CA certificates (RDS included) in the Lambda Node.js runtime, for sslmode=verify-full. */
export const LAMBDA_AMAZON_CA_CERTS = '/var/runtime/ca-cert.pem';

/** Close worker timeout; the close queue's visibility timeout is above it (DESIGN.md §1). */
export const CLOSE_WORKER_TIMEOUT = Duration.seconds(60);
export const CLOSE_QUEUE_VISIBILITY = Duration.seconds(90);
/** Deliveries of a close job before it goes to the dead-letter queue. */
export const CLOSE_MAX_RECEIVES = 5;

const DAY_MS = 86_400_000;

function table(scope: Construct, id: string, definition: TableDefinition): TableV2 {
  return new TableV2(scope, id, {
    // The same definitions the local runner creates in dynalite (lib/adapters/dynamodb/table.ts).
    partitionKey: { name: definition.partitionKey.name, type: definition.partitionKey.type as AttributeType },
    sortKey: { name: definition.sortKey.name, type: definition.sortKey.type as AttributeType },
    billing: Billing.onDemand(),
    timeToLiveAttribute: definition.timeToLiveAttribute,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    removalPolicy: RemovalPolicy.RETAIN,
  });
}

/**
 * windrow on AWS (DESIGN.md §1): HTTP API → ingest Lambda → DynamoDB window state; EventBridge
 * Scheduler → planner → SQS close queue (+ DLQ and an alarm) → close worker → Timestream or the
 * DynamoDB results table; query Lambda for `GET /v1/query`, `GET /v1/metrics` and the dashboard.
 * Every permission is a grant or a statement naming its actions and resources.
 */
export class WindrowStack extends Stack {
  readonly stateTable: TableV2;
  readonly resultsTable?: TableV2;
  readonly api: HttpApi;
  readonly closeQueue: Queue;
  readonly deadLetters: Queue;

  constructor(scope: Construct, id: string, props: WindrowStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.stateTable = table(this, 'WindowState', windowStateTable);
    const environment: Record<string, string> = {
      WINDROW_STATE_TABLE: this.stateTable.tableName,
      WINDROW_CONFIG: JSON.stringify(describeConfig(config)),
    };

    // Results: the DynamoDB results table, or Timestream (one table per tier and window kind).
    let timestreamTables: CfnTable[] = [];
    let timestreamDatabase: CfnDatabase | undefined;
    const postgres = props.postgres;
    if (config.sink === 'postgres' && postgres === undefined) {
      throw new Error(
        'sink "postgres" needs the secret holding its URL: -c postgresSecretArn=arn:aws:secretsmanager:…',
      );
    }
    if (config.sink === 'dynamodb') {
      this.resultsTable = table(this, 'Results', resultsTable);
      environment.WINDROW_RESULTS_TABLE = this.resultsTable.tableName;
    } else if (config.sink === 'timestream') {
      timestreamDatabase = new CfnDatabase(this, 'Timestream', {});
      timestreamDatabase.applyRemovalPolicy(RemovalPolicy.RETAIN);
      const firstTier = config.tiers[0]?.name ?? '1m';
      const windows: {
        name: string;
        kind: 'tier' | 'sliding' | 'session';
        sizeMs: number;
        retentionMs: number;
      }[] = [
        ...config.tiers.map((t) => ({
          name: t.name,
          kind: 'tier' as const,
          sizeMs: t.sizeMs,
          retentionMs: config.retentionMs[t.name] ?? 7 * DAY_MS,
        })),
        ...config.sliding.map((s) => ({
          name: s.name,
          kind: 'sliding' as const,
          sizeMs: s.sizeMs,
          retentionMs: config.retentionMs[firstTier] ?? 7 * DAY_MS,
        })),
        ...config.sessions.map((s) => ({
          name: s.name,
          kind: 'session' as const,
          sizeMs: s.gapMs,
          retentionMs: config.retentionMs[firstTier] ?? 7 * DAY_MS,
        })),
      ];
      timestreamTables = windows.map((w) => {
        const t = new CfnTable(this, `Timestream-${timestreamTableName(w.name, w.kind)}`, {
          databaseName: timestreamDatabase?.ref ?? '',
          tableName: timestreamTableName(w.name, w.kind),
          retentionProperties: {
            // Covers each window's first write; corrections go to the magnetic store (table-retention.ts).
            MemoryStoreRetentionPeriodInHours: String(timestreamMemoryHours(w, config)),
            MagneticStoreRetentionPeriodInDays: String(
              Math.min(73_000, Math.max(1, Math.ceil(w.retentionMs / DAY_MS))),
            ),
          },
          // Corrections older than the memory store go to the magnetic store.
          magneticStoreWriteProperties: { EnableMagneticStoreWrites: true },
        });
        t.applyRemovalPolicy(RemovalPolicy.RETAIN);
        return t;
      });
      environment.WINDROW_TIMESTREAM_DATABASE = timestreamDatabase.ref;
    }

    // Functions.
    const ingest = new WindrowFunction(this, 'Ingest', {
      name: 'ingest',
      description: 'windrow: POST /v1/metrics (OTLP/HTTP) and /v1/points → window state',
      environment,
      memorySize: 1024,
      timeout: Duration.seconds(29),
    }).fn;
    const query = new WindrowFunction(this, 'Query', {
      name: 'query',
      description: 'windrow: GET /v1/query, /v1/metrics and the dashboard',
      environment,
      memorySize: 1024,
      timeout: Duration.seconds(29),
    }).fn;
    const authorizerFn = new WindrowFunction(this, 'Authorizer', {
      name: 'authorizer',
      description: 'windrow: API keys (Bearer) → tenant, for the HTTP API',
      environment: { WINDROW_STATE_TABLE: this.stateTable.tableName },
      memorySize: 256,
      timeout: Duration.seconds(5),
    }).fn;
    const planner = new WindrowFunction(this, 'Planner', {
      name: 'planner',
      description: 'windrow: every minute, enqueue the close jobs that are due',
      environment,
      memorySize: 512,
      timeout: Duration.seconds(60),
    }).fn;
    const closeWorker = new WindrowFunction(this, 'CloseWorker', {
      name: 'close-worker',
      description: 'windrow: close windows, roll up, write results',
      environment,
      memorySize: 1769, // one full vCPU: merging and finalizing is CPU work
      timeout: CLOSE_WORKER_TIMEOUT,
    }).fn;

    // Close queue with a dead-letter queue and an alarm on dead letters.
    this.deadLetters = new Queue(this, 'CloseDeadLetters', {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.closeQueue = new Queue(this, 'CloseQueue', {
      visibilityTimeout: CLOSE_QUEUE_VISIBILITY,
      retentionPeriod: Duration.days(4),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: CLOSE_MAX_RECEIVES },
    });
    planner.addEnvironment('WINDROW_CLOSE_QUEUE_URL', this.closeQueue.queueUrl);
    closeWorker.addEventSource(
      new SqsEventSource(this.closeQueue, {
        batchSize: 10,
        reportBatchItemFailures: true,
        maxConcurrency: 10,
      }),
    );
    const deadLetterAlarm = new Alarm(this, 'CloseDeadLettersAlarm', {
      alarmDescription: 'windrow: close jobs failed 5 times and were dead-lettered (windows not closed)',
      metric: this.deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    // Planner schedule: every minute.
    new Schedule(this, 'PlannerSchedule', {
      description: 'windrow: run the planner every minute',
      schedule: ScheduleExpression.rate(Duration.minutes(1)),
      target: new LambdaInvoke(planner, {}),
    });

    // Permissions, each function only what it uses.
    this.stateTable.grantWriteData(ingest);
    this.stateTable.grantReadWriteData(planner);
    this.stateTable.grantReadWriteData(closeWorker);
    this.stateTable.grantReadData(query);
    this.stateTable.grant(authorizerFn, 'dynamodb:GetItem');
    this.closeQueue.grantSendMessages(planner);
    if (this.resultsTable !== undefined) {
      this.resultsTable.grantWriteData(closeWorker);
      this.resultsTable.grantReadData(query);
    }
    if (timestreamDatabase !== undefined) {
      const tableArns = timestreamTables.map((t) => t.attrArn);
      closeWorker.addToRolePolicy(
        new PolicyStatement({ actions: ['timestream:WriteRecords'], resources: tableArns }),
      );
      query.addToRolePolicy(new PolicyStatement({ actions: ['timestream:Select'], resources: tableArns }));
      // Endpoint discovery has no resource: the API only accepts "*" (Timestream IAM reference).
      for (const fn of [closeWorker, query]) {
        fn.addToRolePolicy(
          new PolicyStatement({ actions: ['timestream:DescribeEndpoints'], resources: ['*'] }),
        );
      }
    }

    // PostgreSQL: the secret for the two functions that use the database, and their VPC if any.
    const vpcPolicies: IConstruct[] = [];
    if (config.sink === 'postgres' && postgres !== undefined) {
      for (const fn of [closeWorker, query]) {
        fn.addEnvironment('WINDROW_POSTGRES_SECRET_ARN', postgres.secretArn);
        fn.addEnvironment('NODE_EXTRA_CA_CERTS', LAMBDA_AMAZON_CA_CERTS);
        fn.addToRolePolicy(
          new PolicyStatement({
            actions: ['secretsmanager:GetSecretValue'],
            resources: [postgres.secretArn],
          }),
        );
        if (postgres.vpc !== undefined) {
          (fn.node.defaultChild as CfnFunction).vpcConfig = {
            subnetIds: [...postgres.vpc.subnetIds],
            securityGroupIds: [...postgres.vpc.securityGroupIds],
          };
          // What AWSLambdaVPCAccessExecutionRole allows: the function's network interfaces.
          fn.addToRolePolicy(
            new PolicyStatement({
              actions: [
                'ec2:CreateNetworkInterface',
                'ec2:DescribeNetworkInterfaces',
                'ec2:DescribeSubnets',
                'ec2:DeleteNetworkInterface',
                'ec2:AssignPrivateIpAddresses',
                'ec2:UnassignPrivateIpAddresses',
              ],
              resources: ['*'],
            }),
          );
          const policy = fn.role?.node.tryFindChild('DefaultPolicy');
          if (policy !== undefined) vpcPolicies.push(policy);
        }
      }
    }

    // HTTP API.
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.api = new HttpApi(this, 'Api', { description: 'windrow: OTLP/HTTP metrics in, windows out' });
    const ingestIntegration = new HttpLambdaIntegration('IngestIntegration', ingest);
    const queryIntegration = new HttpLambdaIntegration('QueryIntegration', query);
    // API keys as `Authorization: Bearer <key>`: API Gateway answers 401 without the header, 403 when
    // the authorizer refuses, and caches each decision for 5 minutes per header value.
    const authorizer = new HttpLambdaAuthorizer('ApiKeys', authorizerFn, {
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: ['$request.header.Authorization'],
      resultsCacheTtl: Duration.minutes(5),
    });
    this.api.addRoutes({
      path: '/v1/metrics',
      methods: [HttpMethod.POST],
      integration: ingestIntegration,
      authorizer,
    });
    this.api.addRoutes({
      path: '/v1/points',
      methods: [HttpMethod.POST],
      integration: ingestIntegration,
      authorizer,
    });
    for (const path of ['/v1/metrics', '/v1/query']) {
      this.api.addRoutes({ path, methods: [HttpMethod.GET], integration: queryIntegration, authorizer });
    }
    // The dashboard's page and script carry no data; its API calls send the key.
    const publicRoutes = ['/', '/dashboard.js'].flatMap((path) =>
      this.api.addRoutes({ path, methods: [HttpMethod.GET], integration: queryIntegration }),
    );
    const stage = this.api.defaultStage?.node.defaultChild as CfnStage;
    stage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        ip: '$context.identity.sourceIp',
        time: '$context.requestTime',
        method: '$context.httpMethod',
        path: '$context.path',
        status: '$context.status',
        length: '$context.responseLength',
        latencyMs: '$context.responseLatency',
        integrationError: '$context.integrationErrorMessage',
      }),
    };
    // A ceiling against runaway senders (per-tenant series limits are enforced by ingest).
    stage.defaultRouteSettings = { throttlingRateLimit: 500, throttlingBurstLimit: 1000 };

    new CfnOutput(this, 'ApiUrl', {
      value: this.api.apiEndpoint,
      description: 'OTLP/HTTP: <ApiUrl>/v1/metrics',
    });
    new CfnOutput(this, 'WindowStateTableName', { value: this.stateTable.tableName });
    if (this.resultsTable !== undefined)
      new CfnOutput(this, 'ResultsTableName', { value: this.resultsTable.tableName });
    if (timestreamDatabase !== undefined) {
      new CfnOutput(this, 'TimestreamDatabase', { value: timestreamDatabase.ref });
      new CfnOutput(this, 'TimestreamTables', {
        value: timestreamTables.map((t) => t.tableName ?? '').join(','),
      });
    }
    new CfnOutput(this, 'CloseQueueUrl', { value: this.closeQueue.queueUrl });
    new CfnOutput(this, 'CloseDeadLettersAlarmName', { value: deadLetterAlarm.alarmName });

    const scheduleRoles = this.node
      .findAll()
      .filter((c) => c.node.path.includes('SchedulerRoleForTarget') && c.node.id === 'DefaultPolicy');
    acknowledgeFindings({
      publicRoutes: publicRoutes.map((r) => r.node.defaultChild).filter((c) => c !== undefined),
      functions: [ingest, query, planner, closeWorker, authorizerFn],
      describeEndpointsPolicies:
        timestreamDatabase === undefined
          ? []
          : [closeWorker, query]
              .map((fn) => fn.role?.node.tryFindChild('DefaultPolicy'))
              .filter((c) => c !== undefined),
      schedulerPolicies: scheduleRoles,
      plannerArnToken: this.getLogicalId(planner.node.defaultChild as CfnElement),
      timestream: timestreamDatabase === undefined ? [] : [timestreamDatabase, ...timestreamTables],
      vpcPolicies,
    });
  }
}
