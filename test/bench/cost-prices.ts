/**
 * The AWS prices `npm run cost` uses: us-east-1 (US East, N. Virginia), on-demand, list prices of the
 * first volume tier, free tiers left out (every figure is what usage costs past them). Each price
 * says where it was read and when. AWS's own pricing pages draw most of their price tables with a
 * script, so a stored copy of the page often shows the units and rules but no number; where that
 * was so, `note` names the page the number itself was read from, and the AWS page stays the source
 * of the rules. Check them again before relying on them: prices change.
 */

export interface Price {
  /** US dollars per `unit`. */
  readonly usd: number;
  readonly unit: string;
  readonly what: string;
  readonly source: string;
  /** The day the source was read (YYYY-MM-DD). */
  readonly readOn: string;
  readonly note?: string;
}

const READ_ON = '2026-11-26';

export const PRICES = {
  apiGatewayHttpRequests: {
    usd: 1.0,
    unit: 'million requests',
    what: 'API Gateway HTTP API requests, first 300 million a month; a request is metered in 512 KB increments',
    source: 'https://aws.amazon.com/api-gateway/pricing/',
    readOn: READ_ON,
    note: 'figure and tier read from https://www.learnaws.org/2021/01/10/api-gateway-pricing/ and https://awsforengineers.com/blog/aws-api-gateway-pricing-explained (May 2025); 512 KB metering from https://docs.aws.amazon.com/whitepapers/latest/best-practices-api-gateway-private-apis-integration/cost-optimization.html',
  },
  lambdaRequests: {
    usd: 0.2,
    unit: 'million requests',
    what: 'Lambda requests (invocations), x86 and Arm alike',
    source: 'https://aws.amazon.com/lambda/pricing/',
    readOn: READ_ON,
    note: 'figure read from https://cloudchipr.com/blog/aws-lambda-pricing (2024); the AWS page renders it by script',
  },
  lambdaArmGbSecond: {
    usd: 0.0000133334,
    unit: 'GB-second',
    what: 'Lambda duration on arm64 (Graviton), first 7.5 billion GB-seconds a month; duration rounded up to 1 ms',
    source: 'https://aws.amazon.com/lambda/pricing/',
    readOn: READ_ON,
    note: 'figure and tier read from https://cloudchipr.com/blog/aws-lambda-pricing (2024)',
  },
  dynamoWriteRequestUnits: {
    usd: 0.625,
    unit: 'million write request units',
    what: 'DynamoDB on-demand write request units (one per started KB of item written), Standard table class',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    readOn: READ_ON,
    note: 'after the 50% on-demand price cut of 2024-11-01; figure read from https://airbyte.com/data-engineering-resources/dynamodb-pricing (July 2025)',
  },
  dynamoReadRequestUnits: {
    usd: 0.125,
    unit: 'million read request units',
    what: 'DynamoDB on-demand read request units (one strongly consistent read of up to 4 KB; half for eventually consistent)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    readOn: READ_ON,
    note: 'figure read from https://airbyte.com/data-engineering-resources/dynamodb-pricing (July 2025)',
  },
  dynamoStorageGbMonth: {
    usd: 0.25,
    unit: 'GB-month',
    what: 'DynamoDB Standard table storage past the first 25 GB (item size + 100 bytes of index overhead per item)',
    source: 'https://aws.amazon.com/dynamodb/pricing/',
    readOn: READ_ON,
  },
  sqsRequests: {
    usd: 0.4,
    unit: 'million requests',
    what: 'SQS standard queue requests (each 64 KB chunk of a payload is one request)',
    source: 'https://aws.amazon.com/sqs/pricing/',
    readOn: READ_ON,
    note: 'figure read from https://cloudburn.io/blog/amazon-sqs-pricing (March 2026)',
  },
  schedulerInvocations: {
    usd: 1.0,
    unit: 'million invocations',
    what: 'EventBridge Scheduler invocations past the 14 million free each month',
    source: 'https://aws.amazon.com/eventbridge/pricing/',
    readOn: READ_ON,
    note: 'figure read from https://cloudburn.io/blog/amazon-eventbridge-pricing (March 2026)',
  },
  logsIngestionGb: {
    usd: 0.5,
    unit: 'GB',
    what: 'CloudWatch Logs ingestion, Standard log class (an event counts its UTF-8 bytes + 26)',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
    readOn: READ_ON,
    note: 'figure read from https://www.factualminds.com/blog/amazon-cloudwatch-pricing-metrics-logs-alarms-dashboards/ (June 2026); the 26 bytes per event from the PutLogEvents API reference',
  },
  cloudWatchMetricMonth: {
    usd: 0.3,
    unit: 'metric-month',
    what: 'CloudWatch custom metrics, first 10,000 metrics (a metric = namespace + name + dimension values)',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
    readOn: READ_ON,
    note: 'figure read from https://signoz.io/guides/cloudwatch-pricing (Feb 2026)',
  },
  timestreamWrites: {
    usd: 0.5,
    unit: 'million 1 KB writes',
    what: 'Timestream for LiveAnalytics writes, metered in 1 KiB units of the records a WriteRecords call carries',
    source: 'https://docs.aws.amazon.com/timestream/latest/developerguide/metering-and-pricing.writes.html',
    readOn: READ_ON,
    note: 'figure from https://aws.amazon.com/timestream/pricing/ as quoted by https://awsnegotiations.com/blog/timestream-pricing-analysis/',
  },
  timestreamMemoryGbHour: {
    usd: 0.036,
    unit: 'GB-hour',
    what: 'Timestream for LiveAnalytics memory store',
    source: 'https://aws.amazon.com/timestream/pricing/',
    readOn: READ_ON,
    note: 'figure read from https://awsnegotiations.com/blog/timestream-pricing-analysis/',
  },
  timestreamMagneticGbMonth: {
    usd: 0.03,
    unit: 'GB-month',
    what: 'Timestream for LiveAnalytics magnetic store',
    source: 'https://aws.amazon.com/timestream/pricing/',
    readOn: READ_ON,
    note: 'figure read from https://awsnegotiations.com/blog/timestream-pricing-analysis/',
  },
  timestreamTcuHour: {
    usd: 0.518,
    unit: 'TCU-hour',
    what: 'Timestream for LiveAnalytics query compute: at least 4 TCUs (4 vCPUs and 16 GB each) while queries run, billed per second with a 30-second minimum',
    source: 'https://docs.aws.amazon.com/timestream/latest/developerguide/tcu.html',
    readOn: '2026-12-02',
    note: 'rules (minimum 4 TCUs, per-second billing, 30 s minimum, price per TCU-hour varies by Region) from the AWS page; the figure for us-east-1 from a third-party AWS cost-research note (July 2026) in a public GitHub repository — the AWS pricing page renders it by script and no AWS copy with the number was found: check it',
  },
  prometheusSamples: {
    usd: 0.9,
    unit: '10 million samples',
    what: 'Amazon Managed Service for Prometheus samples ingested, first 2 billion a month',
    source: 'https://aws.amazon.com/prometheus/pricing/',
    readOn: READ_ON,
    note: 'the figure as given in the infrastructure issue: the stored copy of the AWS page shows the units (samples ingested, GB-month stored) but not the number, and no other source was found to confirm it',
  },
} as const satisfies Record<string, Price>;

export type PriceName = keyof typeof PRICES;
export type PriceTable = Readonly<Record<PriceName, { readonly usd: number }>>;
