/**
 * The OpenTelemetry Python SDK as a second, non-JavaScript OTLP client for integration tests: a venv
 * at `.venv-otel/` (git- and lint-ignored) made offline by `../shared/clients/python/install.sh`
 * (idempotent: a fraction of a second when already there), and `otel_python_export.py` run in it.
 *
 * Only a missing `python3` may skip the tests that use it; a failed install is an error.
 */
import { execFile, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const VENV_DIR = fileURLToPath(new URL('../../.venv-otel', import.meta.url));
const INSTALL = fileURLToPath(new URL('../../../shared/clients/python/install.sh', import.meta.url));
const SCRIPT = fileURLToPath(new URL('./otel_python_export.py', import.meta.url));

/** True when `python3` runs here. */
export function hasPython3(): boolean {
  const result = spawnSync('python3', ['--version'], { stdio: 'ignore' });
  return result.error === undefined && result.status === 0;
}

/** Makes (or keeps) the venv; throws with the installer's output when it fails. */
export async function ensurePythonOtel(): Promise<string> {
  try {
    await run(INSTALL, [VENV_DIR], { cwd: ROOT, timeout: 120_000 });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${INSTALL} ${VENV_DIR} failed (python3 is present, so this is an error, not a skip): ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`,
    );
  }
  return `${VENV_DIR}/bin/python`;
}

export type PythonValue = number | string | boolean;

/** One export as the script's exporter saw it. */
export interface PythonExport {
  readonly provider: 'delta' | 'cumulative' | 'scoped';
  /** MetricExportResult name: SUCCESS or FAILURE. */
  readonly result: string;
  readonly points: number;
  /** The data points' distinct `time_unix_nano`, in milliseconds. */
  readonly timesMs: number[];
  readonly responses: {
    readonly status: number;
    readonly contentType: string;
    /** From the ExportMetricsServiceResponse (200 answers in protobuf). */
    readonly rejectedDataPoints?: number;
    readonly errorMessage?: string;
    /** The body of any other answer. */
    readonly body?: string;
  }[];
}

/** One series as the script recorded it. */
export interface PythonSeries {
  readonly provider: 'delta' | 'cumulative' | 'scoped';
  readonly scopeAttributes: Record<string, PythonValue> | null;
  readonly metric: string;
  readonly kind: 'counter' | 'updown' | 'histogram' | 'gauge';
  readonly attributes: Record<string, string>;
  readonly values: number[];
  readonly total?: number;
  readonly count?: number;
  readonly sum?: number;
  readonly min?: number;
  readonly max?: number;
  readonly last?: number;
}

export interface PythonReport {
  /** service.name per provider (delta and scoped share one resource). */
  readonly services: Record<'delta' | 'cumulative' | 'scoped', string>;
  readonly scope: { name: string; version: string; attributes: Record<string, PythonValue> };
  readonly exports: PythonExport[];
  readonly series: PythonSeries[];
  /** The script's stderr (the SDK logs failed exports there). */
  readonly stderr: string;
}

/** Runs the export script against `endpoint` (asynchronously: the stack may share this process). */
export async function runPythonExport(
  python: string,
  endpoint: string,
  runId: string,
): Promise<PythonReport> {
  try {
    const { stdout, stderr } = await run(python, [SCRIPT, '--endpoint', endpoint, '--run', runId], {
      cwd: ROOT,
      timeout: 45_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { ...(JSON.parse(stdout) as Omit<PythonReport, 'stderr'>), stderr };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${SCRIPT} failed: ${e.message}\n${e.stderr ?? ''}`);
  }
}
