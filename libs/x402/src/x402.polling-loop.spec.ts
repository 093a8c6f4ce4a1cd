import { describe, expect, it } from '@jest/globals';
import { PollingLoop } from './x402.polling-loop.js';

const until = async (check: () => boolean, ms = 5_000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('PollingLoop', () => {
  it('sleeps when there was nothing, wakes on notify, keeps going after an error, and stop waits for the work in hand', async () => {
    let polls = 0;
    const errors: string[] = [];
    let release!: () => void;
    const work = async () => {
      polls++;
      if (polls === 2) throw new Error('store down');
      if (polls === 3) await new Promise<void>((r) => (release = r));
      return 0;
    };
    const loop = new PollingLoop(work, 60_000, (e) => errors.push(e.message));
    loop.start();
    await until(() => polls === 1);
    loop.notify(); // a one-minute sleep cut short
    await until(() => polls === 2 && errors.length === 1);
    loop.notify();
    await until(() => polls === 3);
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(stopped).toBe(false); // the poll in hand is not abandoned
    release();
    await stopping;
    expect(errors).toEqual(['store down']);
    expect(polls).toBe(3);
  });
});
