/** What the demo's shutdown needs: closing the app, then the embedded devnet, and a way out. */
export interface ShutdownSteps {
  close(): Promise<void>;
  /** Stops the embedded devnet, if any (after the app: in-flight settlements still need it). */
  stopDevnet?(): Promise<void>;
  exit(code: number): void;
  error(line: string): void;
}

/**
 * The SIGINT/SIGTERM handler of the demo: closes once. A close or devnet stop that fails is
 * logged and exits 1; a second signal while closing exits 1 at once. Never an unhandled rejection.
 */
export function shutdownHandler(steps: ShutdownSteps): (signal: string) => void {
  let closing = false;
  return (signal) => {
    if (closing) {
      steps.error(`${signal} received again while shutting down: exiting now`);
      steps.exit(1);
      return;
    }
    closing = true;
    void (async () => {
      let code = 0;
      try {
        await steps.close();
      } catch (error) {
        steps.error(`shutdown: closing the app failed: ${(error as Error)?.message ?? String(error)}`);
        code = 1;
      }
      try {
        await steps.stopDevnet?.();
      } catch (error) {
        steps.error(`shutdown: stopping the devnet failed: ${(error as Error)?.message ?? String(error)}`);
        code = 1;
      }
      steps.exit(code);
    })();
  };
}
