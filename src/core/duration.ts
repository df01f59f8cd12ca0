/**
 * A duration for people, floored: 45s, 2m, 1h, 3d (ages in `ls`); with
 * `precise`, hours and days keep their next unit: 3h 1m, 1d 1h (cleanup reasons).
 */
export function formatDuration(ms: number, precise = false): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return precise && m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
  const d = Math.floor(h / 24);
  return precise && h % 24 ? `${d}d ${h % 24}h` : `${d}d`;
}
