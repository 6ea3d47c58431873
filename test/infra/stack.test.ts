import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '#core/config/config.js';
import { WindrowStack } from '../../infra/stack.js';

function synth() {
  const app = new App();
  const stack = new WindrowStack(app, 'Test', { config: parseConfig({}) });
  return { app, stack, template: Template.fromStack(stack) };
}

describe('Class: WindrowStack', () => {
  it('creates the window-state table with PK/SK, TTL, on-demand billing and PITR', () => {
    const { template } = synth();
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
  });

  it('has no unacknowledged cdk-nag AwsSolutions finding', () => {
    const app = new App();
    new WindrowStack(app, 'Nag', { config: parseConfig({}) });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });
});
