// How numbers from the API read on the page.
export function bytes(n: bigint | number): string {
  const v = Number(n);
  if (v < 1024) return `${v} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let x = v / 1024;
  let u = 0;
  while (x >= 1024 && u < units.length - 1) {
    x /= 1024;
    u++;
  }
  return `${x.toFixed(x < 10 ? 1 : 0)} ${units[u]}`;
}

export function seconds(ns: bigint): string {
  return `${(Number(ns) / 1e9).toFixed(2)} s`;
}

export function since(unixMs: bigint, until?: bigint): string {
  const end = until && until > 0n ? Number(until) : Date.now();
  let s = Math.max(0, Math.round((end - Number(unixMs)) / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  s %= 60;
  if (m < 60) return `${m}m${s}s`;
  return `${Math.floor(m / 60)}h${m % 60}m`;
}

export function clock(unixMs: bigint): string {
  return new Date(Number(unixMs)).toLocaleTimeString();
}

// "EXIT_KIND_KILLED" style names, shortened: "killed".
export function enumName(names: Record<number, string>, value: number): string {
  return (names[value] ?? String(value)).toLowerCase().replace(/_/g, " ");
}
