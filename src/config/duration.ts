const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** "30s" | "15m" | "24h" | "7d" | 0 → milliseconds. The schema has already checked the shape. */
export function parseDuration(value: string | number): number {
  if (value === 0 || value === "0") return 0;
  const m = /^(\d+)([smhd])$/.exec(String(value));
  if (!m) throw new Error(`Invalid duration: ${value}`);
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}
