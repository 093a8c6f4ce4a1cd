import { describe, expect, it } from '@jest/globals';
import { BaseError, CallExecutionError, ExecutionRevertedError, HttpRequestError } from 'viem';
import { rpcFailures, watchRpc, type OperationScope } from './rpc-scope.js';

const refused = () => new HttpRequestError({ url: 'http://127.0.0.1:8545', details: 'fetch failed' });
const inCall = (cause: BaseError) => new CallExecutionError(cause, { to: '0x0000000000000000000000000000000000000001' } as never);

/** What `watchRpc` notes in an operation's scope when `error` is thrown. */
async function noted(error: Error): Promise<unknown> {
  const scope: OperationScope = {};
  await rpcFailures.run(scope, () => watchRpc(() => Promise.reject(error))).catch(() => undefined);
  return scope.error;
}

describe('watchRpc', () => {
  it('notes an unreachable RPC, bare or wrapped in the failed action (a check call while the chain is down)', async () => {
    expect(await noted(refused())).toBeInstanceOf(HttpRequestError);
    // before: a CallExecutionError around it was taken for the chain's answer, and a settlement that sent nothing was held as pending
    expect(await noted(inCall(refused()))).toBeInstanceOf(CallExecutionError);
  });

  it('does not note the chain answering no (a revert) as an outage', async () => {
    expect(await noted(inCall(new ExecutionRevertedError({ message: 'execution reverted' })))).toBeUndefined();
    expect(await noted(new Error('anything else'))).toBeUndefined();
  });
});
