/** An unsigned decimal as people write it in limits and durations: `5`, `0.01`, `.5`, `1e-2`. */
export const DECIMAL = String.raw`(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?`;

/** Renders a parsed number without float noise: `0.7`, not `0.7000000000000001`. */
export function formatDecimal(value: number): string {
  return String(Number(value.toPrecision(12)));
}
