import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** A server under test in its own process (its own event loop, so it is measured alone). */
export interface ServerProcess {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process exited. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<ChildProcess>();

/** Kills every server process still running (on the bench's own failure or interruption). */
export function killAll(): void {
  for (const child of running) child.kill('SIGKILL');
}

export interface StartOptions {
  name: string;
  script: string;
  env: Record<string, string>;
  /** Where its stdout and stderr go. */
  logFile: string;
  /** Write a V8 CPU profile (`--cpu-prof`) into this folder when it exits. */
  cpuProfileDir?: string;
  readyTimeoutMs?: number;
}

/** Starts `node <script>` and resolves once it printed `READY <port>`. */
export function startServer(options: StartOptions): Promise<ServerProcess> {
  mkdirSync(dirname(options.logFile), { recursive: true });
  const args = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`, `--cpu-prof-name=${options.name}.cpuprofile`] : [];
  const child = spawn(process.execPath, [...args, options.script], {
    env: { ...process.env, ...options.env, FORCE_COLOR: '0', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const log = createWriteStream(options.logFile);
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      running.delete(child);
      resolve();
    }),
  );
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => fail(`did not start within ${options.readyTimeoutMs ?? 60_000} ms`), options.readyTimeoutMs ?? 60_000);
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${options.name} ${why}; see ${options.logFile}\n${out.slice(-2000)}`));
    };
    const onEarlyExit = (code: number | null) => fail(`exited with ${code} before it was ready`);
    child.once('exit', onEarlyExit);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = /^READY (\d+)$/m.exec(out);
      if (!match) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onEarlyExit);
      resolve({
        name: options.name,
        url: `http://127.0.0.1:${match[1]}`,
        pid: child.pid!,
        stop: async (graceMs = 15_000) => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
          child.kill('SIGTERM');
          await exited;
          clearTimeout(kill);
        },
      });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  });
}
