import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { suppress } from '../nag';

/** cdk-nag findings that follow from how every Amplify function is defined (see `resource.ts`). */
export function suppressFunctionFindings(fn: IFunction): void {
  suppress(fn, [
    {
      id: 'AwsSolutions-L1',
      reason: 'Node.js 22 is the runtime this project builds and tests for (esbuild target node22); moving to 24 is a deliberate upgrade, not a default.',
    },
    {
      id: 'AwsSolutions-IAM4',
      reason: 'Amplify attaches AWSLambdaBasicExecutionRole: it only lets the function write its own CloudWatch logs.',
      appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
    },
  ]);
}
