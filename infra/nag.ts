/**
 * cdk-nag AwsSolutions findings windrow accepts, one by one, each with the full finding id and the
 * reason a reviewer can check. Anything not listed here fails `cdk synth` (and the infra tests).
 */
import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

export interface NagTargets {
  /** The dashboard page and script routes (no data behind them). */
  readonly publicRoutes: readonly IConstruct[];
  readonly functions: readonly IConstruct[];
  /** Roles whose policy allows `timestream:DescribeEndpoints` on `*`. */
  readonly describeEndpointsPolicies: readonly IConstruct[];
  /** The scheduler's role for invoking the planner (created by `LambdaInvoke`). */
  readonly schedulerPolicies: readonly IConstruct[];
  readonly plannerArnToken: string;
  readonly timestream: readonly IConstruct[];
  /** Roles of functions placed in a VPC (PostgreSQL sink), allowed their network interfaces on `*`. */
  readonly vpcPolicies: readonly IConstruct[];
}

export function acknowledgeFindings(targets: NagTargets): void {
  for (const route of targets.publicRoutes) {
    Validations.of(route).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'GET / and GET /dashboard.js serve the static dashboard page and script (the same bytes for ' +
        'everyone, no data); every data route has the API-key authorizer, and the page sends the key.',
    });
  }
  for (const fn of targets.functions) {
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'nodejs22.x is the runtime the design card fixes (Powertools, middy 6 and the bundles are tested ' +
        'on it); moving to a newer runtime is a deliberate change, not a drift.',
    });
  }
  for (const policy of targets.describeEndpointsPolicies) {
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'timestream:DescribeEndpoints (endpoint discovery, required before WriteRecords/Query) supports ' +
        'no resource-level permissions: the Timestream IAM reference lists "*" as its only resource. ' +
        'WriteRecords and Select are scoped to the windrow tables.',
    });
  }
  for (const policy of targets.schedulerPolicies) {
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${targets.plannerArnToken}.Arn>:*]`,
      reason:
        'EventBridge Scheduler may invoke the planner function and its versions (`<arn>:*`), the grant ' +
        'CDK LambdaInvoke makes; the action is lambda:InvokeFunction on that one function only.',
    });
  }
  for (const policy of targets.vpcPolicies) {
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'A function in a VPC creates, describes and deletes its own network interfaces: ' +
        'ec2:CreateNetworkInterface and ec2:Describe* support no resource-level scoping at creation, and ' +
        'AWSLambdaVPCAccessExecutionRole grants exactly these actions on "*". Only the close worker and ' +
        'query functions of the PostgreSQL sink get them, and only when VPC subnets are given.',
    });
  }
  for (const t of targets.timestream) {
    Validations.of(t).acknowledge({
      id: 'AwsSolutions-TS3',
      reason:
        'Timestream encrypts every table at rest with an AWS managed key; results are aggregates of ' +
        'metrics the sender already holds, and a customer managed key would add a KMS key and per-request ' +
        'charges to every write and query. Accounts that need one can set KmsKeyId on the database.',
    });
    Validations.of(t).acknowledge({
      id: 'CloudFormation-Validate::W3697',
      reason:
        'Timestream for LiveAnalytics is closed to new customers since 2025-06-20 (README, deploying): it ' +
        'stays the default for accounts that have it, as the design card asks; new accounts deploy with ' +
        '-c sink=dynamodb, which creates no Timestream resource.',
    });
  }
}
