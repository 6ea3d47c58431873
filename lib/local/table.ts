import type { FinalStats } from '../core/aggregate/contract.js';

/** Formats rows as an aligned text table (numbers right-aligned), for terminals. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)].join('\n');
}

/** A number in at most 4 significant digits, plain where short (12.35, 0.001234, 1.235e+9). */
export function formatNumber(value: number | undefined): string {
  if (value === undefined) return '';
  if (Number.isInteger(value) && Math.abs(value) < 1e9) return String(value);
  const text = value.toPrecision(4);
  return text.includes('e') ? text : String(Number(text));
}

export const STAT_COLUMNS = [
  'count',
  'sum',
  'min',
  'max',
  'avg',
  'stddev',
  'p50',
  'p90',
  'p99',
  'last',
  'rate',
];

/** One table row for a window's stats; absent stats stay empty. */
export function statsRow(label: string, stats: FinalStats): string[] {
  return [
    label,
    ...STAT_COLUMNS.map((column) => {
      if (column.startsWith('p')) return formatNumber(stats.percentiles?.[column]);
      return formatNumber(stats[column as keyof FinalStats] as number | undefined);
    }),
  ];
}
