/**
 * Starts `executor-child.ts` in a fresh Node process — one Lambda invocation, cold — and
 * returns the JSON line it prints. A fresh process per invocation is what makes its peak RSS
 * the invocation's own.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildArgs, ChildResult } from './executor-child.js';
import { LAMBDA_TIMEOUT_MS } from './run-executor.js';

const CHILD = fileURLToPath(new URL('./executor-child.ts', import.meta.url));
/** Past the invocation's deadline by this much, a child is stuck, not slow. */
const STUCK_AFTER_MS = 5 * 60_000;

export function runExecutorProcess(args: ChildArgs): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    // BENCH_CPU_PROF=<dir> writes a V8 CPU profile of each invocation there (for finding hot spots).
    const profile = process.env['BENCH_CPU_PROF'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_CPU_PROF']}`] : [];
    // BENCH_CHILD_NODE_ARGS="--max-old-space-size=256" tries V8 flags on the invocations (memory experiments).
    const nodeArgs = (process.env['BENCH_CHILD_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
    const child = spawn(process.execPath, ['--expose-gc', '--no-warnings', ...profile, ...nodeArgs, '--import', 'tsx', CHILD, JSON.stringify(args)], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err = (err + chunk.toString()).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), (args.invocationMs ?? LAMBDA_TIMEOUT_MS) + STUCK_AFTER_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('@@result '));
      if (code === 0 && line) resolve(JSON.parse(line.slice('@@result '.length)) as ChildResult);
      else reject(new Error(`executor child exited ${code}:\n${err}`));
    });
  });
}
