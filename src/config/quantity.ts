import { ConfigurationError } from '../core/configuration-error.js';

const DECIMAL_SUFFIX_EXPONENT: Readonly<Record<string, number>> = {
  n: -9,
  u: -6,
  m: -3,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const BINARY_SUFFIX_FACTOR: Readonly<Record<string, number>> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

// Kubernetes resource.Quantity: signed decimal, then a decimal exponent (`1e-2`) or an SI/binary suffix.
// The exponent is tried first so `1E3` is 1000, while a lone `E` suffix is exa.
const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:[eE]([+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?$/;

/**
 * A Kubernetes `resource.Quantity` as Iter8 limits use it (`"0.01"`, `50`, `100m` = 0.1,
 * `1491620112n`, `5k`, `1e-2`, `2Ki`), as a plain number.
 */
export function parseQuantity(value: unknown, input: string, example = '"0.01"'): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  const match = typeof value === 'string' ? QUANTITY.exec(value.trim()) : null;
  if (!match) {
    throw new ConfigurationError(
      input,
      `${JSON.stringify(value)} is not a Kubernetes quantity (a number with an optional suffix such as m, k, Ki or an exponent such as e-2)`,
      example,
    );
  }
  const [, mantissa, exponent, suffix] = match;
  const binaryFactor = BINARY_SUFFIX_FACTOR[suffix ?? ''];
  // Decimal scaling goes through the exponent so `100m` is exactly 0.1, not 100 * 0.001.
  const quantity =
    binaryFactor === undefined
      ? Number(`${mantissa}e${exponent ?? DECIMAL_SUFFIX_EXPONENT[suffix ?? ''] ?? 0}`)
      : Number(mantissa) * binaryFactor;
  if (!Number.isFinite(quantity)) {
    throw new ConfigurationError(input, `${JSON.stringify(value)} is out of range`, example);
  }
  return quantity;
}
