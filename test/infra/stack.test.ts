/**
 * The CDK app, checked on its CloudFormation template for both sinks: every resource the
 * infrastructure issue lists, the routes, the schedule, TTL, the dead-letter wiring, runtimes,
 * per-function permissions with no wildcard action, and cdk-nag AwsSolutions with no finding left
 * unacknowledged. Bundling is skipped here (the real `cdk synth`, bundles included, runs in
 * synth.test.ts).
 */
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { parseConfig, type WindrowConfig } from '#core/config/config.js';
import { CLOSE_MAX_RECEIVES, WindrowStack } from '../../infra/stack.js';

const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

function synth(input: Record<string, unknown> = {}) {
  const config = parseConfig(input);
  const app = new App({ context: NO_BUNDLING });
  const stack = new WindrowStack(app, 'Test', { config });
  return { app, stack, config, template: Template.fromStack(stack) };
}

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

function resources(template: Template, type: string): Resources {
  return template.findResources(type) as Resources;
}

function functionsByName(template: Template) {
  const out: Record<string, { id: string; props: Record<string, unknown> }> = {};
  for (const [id, r] of Object.entries(resources(template, 'AWS::Lambda::Function'))) {
    const description = String(r.Properties.Description ?? '');
    const marks: Record<string, string> = {
      ingest: 'POST /v1/metrics',
      query: 'GET /v1/query',
      planner: 'enqueue',
      close: 'close windows',
      authorizer: 'API keys',
    };
    const name = Object.keys(marks).find((n) => description.includes(marks[n] ?? '?'));
    if (name !== undefined) out[name] = { id, props: r.Properties };
  }
  return out;
}

describe.each([
  ['timestream', {}],
  ['dynamodb', { sink: 'dynamodb' }],
] as const)('WindrowStack with sink=%s', (sink, input) => {
  const { template, config } = synth({
    ...input,
    sliding: [{ size: '5m', slide: '1m' }],
    sessions: [{ match: 'checkout.*', gap: '5m' }],
  });

  it('has five functions on nodejs22.x, arm64, with the validated configuration in WINDROW_CONFIG', () => {
    const fns = functionsByName(template);
    expect(Object.keys(fns).sort()).toEqual(['authorizer', 'close', 'ingest', 'planner', 'query']);
    for (const [name, { props }] of Object.entries(fns)) {
      if (name === 'authorizer') continue; // reads only WINDROW_STATE_TABLE
      expect(props.Runtime).toBe('nodejs22.x');
      expect(props.Architectures).toEqual(['arm64']);
      const env = (props.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(env.NODE_OPTIONS).toBe('--enable-source-maps');
      const roundTrip: WindrowConfig = parseConfig(JSON.parse(String(env.WINDROW_CONFIG)));
      expect(roundTrip).toEqual(config);
      expect(env.WINDROW_STATE_TABLE).toBeDefined();
      if (sink === 'dynamodb') expect(env.WINDROW_RESULTS_TABLE).toBeDefined();
      else expect(env.WINDROW_TIMESTREAM_DATABASE).toBeDefined();
    }
    for (const group of Object.values(resources(template, 'AWS::Logs::LogGroup'))) {
      expect(group.Properties.RetentionInDays).toBe(30);
    }
  });

  it('creates the window-state table: PK/SK, TTL on ttl, on-demand, PITR', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [
        { AttributeName: 'PK', KeyType: 'HASH' },
        { AttributeName: 'SK', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      Replicas: Match.arrayWith([
        Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
      ]),
    });
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', sink === 'dynamodb' ? 2 : 1);
  });

  it('wires the HTTP API routes to the ingest and query functions', () => {
    const routes = Object.values(resources(template, 'AWS::ApiGatewayV2::Route')).map(
      (r) => r.Properties.RouteKey,
    );
    expect(routes.sort()).toEqual(
      [
        'GET /',
        'GET /dashboard.js',
        'GET /v1/metrics',
        'GET /v1/query',
        'POST /v1/metrics',
        'POST /v1/points',
      ].sort(),
    );
    const fns = functionsByName(template);
    const integrations = Object.values(resources(template, 'AWS::ApiGatewayV2::Integration'));
    const targets = integrations.map((i) => JSON.stringify(i.Properties.IntegrationUri));
    expect(targets.some((t) => t.includes(fns.ingest?.id ?? '?'))).toBe(true);
    expect(targets.some((t) => t.includes(fns.query?.id ?? '?'))).toBe(true);
    // Every data route behind the API-key authorizer; only the dashboard page and script are open.
    const authorizers = Object.entries(resources(template, 'AWS::ApiGatewayV2::Authorizer'));
    expect(authorizers).toHaveLength(1);
    const [authorizerId, authorizerResource] = authorizers[0] ?? [
      '',
      { Type: '', Properties: {} as Record<string, unknown> },
    ];
    expect(authorizerResource.Properties).toMatchObject({
      AuthorizerType: 'REQUEST',
      EnableSimpleResponses: true,
      IdentitySource: ['$request.header.Authorization'],
      AuthorizerResultTtlInSeconds: 300,
      AuthorizerPayloadFormatVersion: '2.0',
    });
    expect(JSON.stringify(authorizerResource.Properties.AuthorizerUri)).toContain(fns.authorizer?.id ?? '?');
    for (const r of Object.values(resources(template, 'AWS::ApiGatewayV2::Route'))) {
      const open = r.Properties.RouteKey === 'GET /' || r.Properties.RouteKey === 'GET /dashboard.js';
      expect(r.Properties.AuthorizationType, String(r.Properties.RouteKey)).toBe(open ? 'NONE' : 'CUSTOM');
      if (!open) expect(r.Properties.AuthorizerId).toEqual({ Ref: authorizerId });
    }
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
      DefaultRouteSettings: Match.objectLike({ ThrottlingRateLimit: 500 }),
    });
  });

  it('runs the planner every minute from EventBridge Scheduler', () => {
    const fns = functionsByName(template);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 minute)',
      Target: Match.objectLike({ Arn: { 'Fn::GetAtt': [fns.planner?.id, 'Arn'] } }),
    });
  });

  it('feeds the close worker from the close queue, with a dead-letter queue and an alarm on it', () => {
    const fns = functionsByName(template);
    const queues = resources(template, 'AWS::SQS::Queue');
    const close = Object.values(queues).find((q) => q.Properties.RedrivePolicy !== undefined);
    const dlqId = Object.keys(queues).find((id) => queues[id]?.Properties.RedrivePolicy === undefined);
    expect(close?.Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
      maxReceiveCount: CLOSE_MAX_RECEIVES,
    });
    expect(Number(close?.Properties.VisibilityTimeout)).toBeGreaterThan(Number(fns.close?.props.Timeout));
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: fns.close?.id },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
      Threshold: 1,
    });
  });

  it(
    sink === 'timestream'
      ? 'creates one Timestream table per tier and window kind, memory store ≥ horizon, magnetic writes on'
      : 'creates no Timestream resources',
    () => {
      const tables = Object.values(resources(template, 'AWS::Timestream::Table'));
      if (sink === 'dynamodb') {
        expect(tables).toEqual([]);
        template.resourceCountIs('AWS::Timestream::Database', 0);
        return;
      }
      expect(tables.map((t) => t.Properties.TableName).sort()).toEqual([
        'session_5m',
        'sliding_5m_1m',
        'tier_1d',
        'tier_1h',
        'tier_1m',
      ]);
      // The memory store covers each window's first write (its start + size + lateness + a margin);
      // corrections later go to the magnetic store, which takes writes on every table.
      const memoryHours = Object.fromEntries(
        tables.map((t) => [
          t.Properties.TableName,
          Number(
            (t.Properties.RetentionProperties as Record<string, string>).MemoryStoreRetentionPeriodInHours,
          ),
        ]),
      );
      expect(memoryHours).toEqual({ tier_1m: 1, tier_1h: 2, tier_1d: 25, sliding_5m_1m: 1, session_5m: 26 });
      for (const t of tables) {
        const hours = memoryHours[String(t.Properties.TableName)] ?? 0;
        const size = { tier_1m: 60_000, tier_1h: 3_600_000, tier_1d: 86_400_000, sliding_5m_1m: 300_000 }[
          String(t.Properties.TableName)
        ];
        if (size !== undefined) expect(hours * 3_600_000).toBeGreaterThan(size + config.allowedLatenessMs);
        else expect(hours * 3_600_000).toBeGreaterThanOrEqual(config.correctionHorizonMs);
        expect(t.Properties.MagneticStoreWriteProperties).toEqual({ EnableMagneticStoreWrites: true });
      }
    },
  );

  it('grants each function only what it uses, and no policy has a wildcard action', () => {
    const fns = functionsByName(template);
    const policies = Object.values(resources(template, 'AWS::IAM::Policy'));
    const actionsOf = (fnId: string | undefined): string[] => {
      const fn = Object.entries(resources(template, 'AWS::Lambda::Function')).find(
        ([id]) => id === fnId,
      )?.[1];
      const roleId = (fn?.Properties.Role as { 'Fn::GetAtt': string[] } | undefined)?.['Fn::GetAtt'][0];
      return policies
        .filter((p) => JSON.stringify(p.Properties.Roles).includes(String(roleId)))
        .flatMap(
          (p) => (p.Properties.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement,
        )
        .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    };
    for (const p of policies) {
      for (const s of (p.Properties.PolicyDocument as { Statement: { Action: string | string[] }[] })
        .Statement) {
        for (const a of Array.isArray(s.Action) ? s.Action : [s.Action])
          expect(a, JSON.stringify(s)).not.toContain('*');
      }
    }
    for (const r of Object.values(resources(template, 'AWS::IAM::Role'))) {
      expect(r.Properties.ManagedPolicyArns ?? []).toEqual([]);
    }
    const ingest = actionsOf(fns.ingest?.id);
    expect(ingest).toContain('dynamodb:BatchWriteItem');
    expect(ingest.filter((a) => /Query|GetItem|Scan|sqs|timestream/.test(a))).toEqual([]);
    const query = actionsOf(fns.query?.id);
    expect(query).toContain('dynamodb:Query');
    expect(
      query.filter((a) => /PutItem|BatchWriteItem|DeleteItem|UpdateItem|WriteRecords|sqs/.test(a)),
    ).toEqual([]);
    expect(actionsOf(fns.authorizer?.id).filter((a) => a.startsWith('dynamodb:'))).toEqual([
      'dynamodb:GetItem',
    ]);
    const planner = actionsOf(fns.planner?.id);
    expect(planner).toContain('sqs:SendMessage');
    expect(planner.filter((a) => /timestream/.test(a))).toEqual([]);
    const close = actionsOf(fns.close?.id);
    expect(close).toEqual(expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage']));
    expect(close.includes('timestream:WriteRecords')).toBe(sink === 'timestream');
    expect(query.includes('timestream:Select')).toBe(sink === 'timestream');
  });

  it('outputs the API URL and the table names', () => {
    const outputs = Object.keys(template.findOutputs('*'));
    expect(outputs).toEqual(expect.arrayContaining(['ApiUrl', 'WindowStateTableName', 'CloseQueueUrl']));
    expect(outputs.includes('ResultsTableName')).toBe(sink === 'dynamodb');
    expect(outputs.includes('TimestreamDatabase')).toBe(sink === 'timestream');
  });

  it('has no unacknowledged cdk-nag AwsSolutions finding', () => {
    const app = new App({ context: NO_BUNDLING });
    new WindrowStack(app, 'Nag', { config: parseConfig(input) });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });
});
