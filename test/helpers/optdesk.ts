/** Runs the real `optdesk` bin script in a child process, as a user would. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const OPTDESK_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/optdesk.js');

export function optdesk(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [OPTDESK_BIN, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
