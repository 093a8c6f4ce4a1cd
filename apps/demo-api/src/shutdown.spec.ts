import { shutdownHandler } from './shutdown.js';

function harness(close: () => Promise<void>, stopDevnet?: () => Promise<void>) {
  const exits: number[] = [];
  const errors: string[] = [];
  let exited!: () => void;
  const done = new Promise<void>((resolve) => (exited = resolve));
  const stop = shutdownHandler({ close, stopDevnet, exit: (code) => (exits.push(code), exited()), error: (line) => errors.push(line) });
  return { stop, exits, errors, done };
}

describe('demo shutdown handler', () => {
  it('closes the app, then the devnet, and exits 0', async () => {
    const order: string[] = [];
    const h = harness(async () => void order.push('close'), async () => void order.push('devnet'));
    h.stop('SIGTERM');
    await h.done;
    expect(order).toEqual(['close', 'devnet']);
    expect(h.exits).toEqual([0]);
  });

  it('logs a close that fails and exits 1, still stopping the devnet (no unhandled rejection)', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      let devnetStopped = false;
      const h = harness(() => Promise.reject(new Error('pool already ended')), async () => void (devnetStopped = true));
      h.stop('SIGINT');
      await h.done;
      await new Promise((resolve) => setImmediate(resolve));
      expect(h.exits).toEqual([1]);
      expect(devnetStopped).toBe(true);
      expect(h.errors.join('\n')).toContain('pool already ended');
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('exits 1 at once on a second signal while closing, and closes only once', async () => {
    let closes = 0;
    const h = harness(() => {
      closes++;
      return new Promise<void>(() => undefined); // a close that hangs
    });
    h.stop('SIGTERM');
    h.stop('SIGINT');
    await h.done;
    expect(closes).toBe(1);
    expect(h.exits).toEqual([1]);
    expect(h.errors[0]).toContain('SIGINT received again');
  });
});
