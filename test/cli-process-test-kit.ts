/** Runs the real `dnsconform` command line in its own process, for end-to-end specs. */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const CLI = resolve(import.meta.dirname, '..', 'bin', 'dnsconform.js');

/** What the process did. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `dnsconform ...args` with `env` added to this process's environment. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...env },
      maxBuffer: 64 << 20,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}
