import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/core/configuration-error.js';
import { parseEnvelope, readInstantValue } from '../../../src/metrics/prometheus-response.js';

const query = { promql: 'sum(rate(x[5m]))', input: 'queries.x' };
const vector = (...values: string[]) => ({
  resultType: 'vector',
  result: values.map((value, i) => ({ metric: { pod: `p${i}` }, value: [1_700_000_000.5, value] })),
});

describe('readInstantValue', () => {
  it('reads one sample as a number', () => {
    expect(readInstantValue(vector('42.5'), query)).toEqual({ status: 'ok', value: 42.5 });
    expect(readInstantValue(vector('0'), query)).toEqual({ status: 'ok', value: 0 });
    expect(readInstantValue({ resultType: 'scalar', result: [1, '3e-3'] }, query)).toEqual({
      status: 'ok',
      value: 0.003,
    });
  });

  it('turns an empty vector, NaN and infinities into no data', () => {
    expect(readInstantValue(vector(), query)).toEqual({ status: 'no-data', reason: 'empty result' });
    expect(readInstantValue(vector('NaN'), query)).toMatchObject({
      status: 'no-data',
      reason: expect.stringMatching(/^NaN/),
    });
    expect(readInstantValue(vector('+Inf'), query)).toMatchObject({
      status: 'no-data',
      reason: expect.stringMatching(/^\+Inf/),
    });
    expect(readInstantValue(vector('-Inf'), query)).toMatchObject({ status: 'no-data' });
  });

  it('asks for aggregation when there is more than one series', () => {
    const run = () => readInstantValue(vector('1', '2'), query);
    expect(run).toThrow(ConfigurationError);
    expect(run).toThrow(
      /returned 2 series \(first: \{"pod":"p0"\}\); aggregate it to one, e\.g\. with sum\(\)/,
    );
    expect(run).toThrow(/Example: sum\(sum\(rate\(x\[5m\]\)\)\)/);
  });

  it('rejects results that are not one number', () => {
    expect(() => readInstantValue({ resultType: 'matrix', result: [] }, query)).toThrow(/matrix result/);
    expect(() => readInstantValue({ resultType: 'string', result: [1, 'x'] }, query)).toThrow(
      /string result/,
    );
    const histogram = { resultType: 'vector', result: [{ metric: {}, histogram: [1, { count: '3' }] }] };
    expect(() => readInstantValue(histogram, query)).toThrow(/native histogram/);
  });
});

describe('parseEnvelope', () => {
  it('accepts 2.42 bodies and 3.x bodies with infos', () => {
    expect(parseEnvelope('{"status":"success","data":{"resultType":"vector","result":[]}}')?.status).toBe(
      'success',
    );
    expect(
      parseEnvelope(
        '{"status":"success","data":{"resultType":"vector","result":[]},"warnings":["w"],"infos":["i"]}',
      )?.status,
    ).toBe('success');
    expect(parseEnvelope('{"status":"error","errorType":"bad_data","error":"parse error"}')).toMatchObject({
      errorType: 'bad_data',
      error: 'parse error',
    });
  });

  it('returns undefined for bodies that are not the API', () => {
    expect(parseEnvelope('<html>Bad Gateway</html>')).toBeUndefined();
    expect(parseEnvelope('"just a string"')).toBeUndefined();
    expect(parseEnvelope('{"message":"unauthorized"}')).toBeUndefined();
  });
});
