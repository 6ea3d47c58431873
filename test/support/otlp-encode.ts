/**
 * Test-only OTLP protobuf encoder: turns an `ExportMetricsServiceRequest` written in the OTLP/JSON
 * mapping (lowerCamelCase, 64-bit ints as strings or numbers, "NaN"/"Infinity" strings for doubles,
 * base64 bytes) into protobuf bytes. With it one hand-written request can be fed to both decoders
 * and their results compared. Independent of lib/core (its own tiny writer, BigInt allowed here).
 *
 * @example
 * ```ts
 * const request = { resourceMetrics: [{ scopeMetrics: [{ metrics: [gaugeMetric] }] }] };
 * expect(decodeOtlpProtobuf(encodeOtlpRequest(request), o)).toEqual(decodeOtlpJson(JSON.stringify(request), o));
 * ```
 */

type J = unknown;
type O = Record<string, J>;

export class PbWriter {
  private readonly out: number[] = [];

  tag(field: number, wireType: number): this {
    return this.varint(BigInt(field * 8 + wireType));
  }

  varint(v: bigint | number): this {
    let x = BigInt.asUintN(64, BigInt(v));
    while (x >= 0x80n) {
      this.out.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.out.push(Number(x));
    return this;
  }

  fixed64(v: bigint | number): this {
    let x = BigInt.asUintN(64, BigInt(v));
    for (let i = 0; i < 8; i++) {
      this.out.push(Number(x & 0xffn));
      x >>= 8n;
    }
    return this;
  }

  double(v: number): this {
    const b = new Uint8Array(new Float64Array([v]).buffer);
    this.out.push(...b);
    return this;
  }

  raw(bytes: Uint8Array | readonly number[]): this {
    this.out.push(...bytes);
    return this;
  }

  bytesField(field: number, bytes: Uint8Array | readonly number[]): this {
    return this.tag(field, 2).varint(bytes.length).raw(bytes);
  }

  stringField(field: number, s: string): this {
    return this.bytesField(field, new TextEncoder().encode(s));
  }

  message(field: number, fill: (w: PbWriter) => void): this {
    const inner = new PbWriter();
    fill(inner);
    return this.bytesField(field, inner.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}

const obj = (v: J): O => (typeof v === 'object' && v !== null ? (v as O) : {});
const arr = (v: J): J[] => (Array.isArray(v) ? v : []);
const has = (o: O, k: string): boolean => o[k] !== undefined && o[k] !== null;

function int64(v: J): bigint {
  return BigInt(v as string | number);
}

function dbl(v: J): number {
  if (v === 'NaN') return Number.NaN;
  if (v === 'Infinity') return Number.POSITIVE_INFINITY;
  if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
  return Number(v);
}

const TEMPORALITY: Record<string, number> = {
  AGGREGATION_TEMPORALITY_UNSPECIFIED: 0,
  AGGREGATION_TEMPORALITY_DELTA: 1,
  AGGREGATION_TEMPORALITY_CUMULATIVE: 2,
};

export function encodeOtlpRequest(request: J): Uint8Array {
  const w = new PbWriter();
  for (const rm of arr(obj(request).resourceMetrics)) w.message(1, (x) => resourceMetrics(x, obj(rm)));
  return w.finish();
}

function resourceMetrics(w: PbWriter, rm: O): void {
  if (has(rm, 'resource')) {
    w.message(1, (x) => {
      keyValues(x, 1, obj(rm.resource).attributes);
    });
  }
  for (const sm of arr(rm.scopeMetrics)) {
    w.message(2, (x) => {
      const s = obj(sm);
      if (has(s, 'scope')) {
        const scope = obj(s.scope);
        x.message(1, (y) => {
          if (has(scope, 'name')) y.stringField(1, String(scope.name));
          if (has(scope, 'version')) y.stringField(2, String(scope.version));
          keyValues(y, 3, scope.attributes);
        });
      }
      for (const m of arr(s.metrics)) x.message(2, (y) => metric(y, obj(m)));
    });
  }
  if (has(rm, 'schemaUrl')) w.stringField(3, String(rm.schemaUrl));
}

function keyValues(w: PbWriter, field: number, list: J): void {
  for (const kv of arr(list)) w.message(field, (x) => keyValue(x, obj(kv)));
}

function keyValue(w: PbWriter, kv: O): void {
  w.stringField(1, String(kv.key));
  if (has(kv, 'value')) w.message(2, (x) => anyValue(x, obj(kv.value)));
}

function anyValue(w: PbWriter, v: O): void {
  if (has(v, 'stringValue')) w.stringField(1, String(v.stringValue));
  else if (has(v, 'boolValue')) w.tag(2, 0).varint(v.boolValue ? 1 : 0);
  else if (has(v, 'intValue')) w.tag(3, 0).varint(int64(v.intValue));
  else if (has(v, 'doubleValue')) w.tag(4, 1).double(dbl(v.doubleValue));
  else if (has(v, 'arrayValue')) {
    w.message(5, (x) => {
      for (const item of arr(obj(v.arrayValue).values)) x.message(1, (y) => anyValue(y, obj(item)));
    });
  } else if (has(v, 'kvlistValue')) {
    w.message(6, (x) => keyValues(x, 1, obj(v.kvlistValue).values));
  } else if (has(v, 'bytesValue')) w.bytesField(7, Buffer.from(String(v.bytesValue), 'base64'));
}

function temporality(data: O): number {
  const t = data.aggregationTemporality;
  return typeof t === 'string' ? (TEMPORALITY[t] ?? 0) : Number(t ?? 0);
}

function metric(w: PbWriter, m: O): void {
  if (has(m, 'name')) w.stringField(1, String(m.name));
  if (has(m, 'description')) w.stringField(2, String(m.description));
  if (has(m, 'unit')) w.stringField(3, String(m.unit));
  if (has(m, 'gauge')) {
    w.message(5, (x) => numberPoints(x, obj(m.gauge)));
  } else if (has(m, 'sum')) {
    const sum = obj(m.sum);
    w.message(7, (x) => {
      numberPoints(x, sum);
      x.tag(2, 0).varint(temporality(sum));
      if (sum.isMonotonic) x.tag(3, 0).varint(1);
    });
  } else if (has(m, 'histogram')) {
    const h = obj(m.histogram);
    w.message(9, (x) => {
      for (const p of arr(h.dataPoints)) x.message(1, (y) => histogramPoint(y, obj(p)));
      x.tag(2, 0).varint(temporality(h));
    });
  } else if (has(m, 'exponentialHistogram')) {
    const h = obj(m.exponentialHistogram);
    w.message(10, (x) => {
      for (const p of arr(h.dataPoints)) x.message(1, (y) => exponentialPoint(y, obj(p)));
      x.tag(2, 0).varint(temporality(h));
    });
  } else if (has(m, 'summary')) {
    w.message(11, (x) => {
      for (const p of arr(obj(m.summary).dataPoints)) x.message(1, (y) => summaryPoint(y, obj(p)));
    });
  }
}

function times(w: PbWriter, p: O): void {
  if (has(p, 'startTimeUnixNano')) w.tag(2, 1).fixed64(int64(p.startTimeUnixNano));
  if (has(p, 'timeUnixNano')) w.tag(3, 1).fixed64(int64(p.timeUnixNano));
}

function flags(w: PbWriter, field: number, p: O): void {
  if (has(p, 'flags')) w.tag(field, 0).varint(Number(p.flags));
}

function numberPoints(w: PbWriter, data: O): void {
  for (const point of arr(data.dataPoints)) {
    const p = obj(point);
    w.message(1, (x) => {
      times(x, p);
      if (has(p, 'asDouble')) x.tag(4, 1).double(dbl(p.asDouble));
      if (has(p, 'asInt')) x.tag(6, 1).fixed64(int64(p.asInt));
      keyValues(x, 7, p.attributes);
      flags(x, 8, p);
    });
  }
}

function histogramPoint(w: PbWriter, p: O): void {
  times(w, p);
  w.tag(4, 1).fixed64(int64(p.count ?? 0));
  if (has(p, 'sum')) w.tag(5, 1).double(dbl(p.sum));
  const counts = arr(p.bucketCounts);
  if (counts.length > 0) {
    w.message(6, (x) => {
      for (const c of counts) x.fixed64(int64(c));
    });
  }
  const bounds = arr(p.explicitBounds);
  if (bounds.length > 0) {
    w.message(7, (x) => {
      for (const b of bounds) x.double(dbl(b));
    });
  }
  keyValues(w, 9, p.attributes);
  flags(w, 10, p);
  if (has(p, 'min')) w.tag(11, 1).double(dbl(p.min));
  if (has(p, 'max')) w.tag(12, 1).double(dbl(p.max));
}

function buckets(w: PbWriter, field: number, b: O): void {
  w.message(field, (x) => {
    const offset = Number(b.offset ?? 0);
    if (offset !== 0) x.tag(1, 0).varint(offset >= 0 ? offset * 2 : -offset * 2 - 1);
    const counts = arr(b.bucketCounts);
    if (counts.length > 0) {
      x.message(2, (y) => {
        for (const c of counts) y.varint(int64(c));
      });
    }
  });
}

function exponentialPoint(w: PbWriter, p: O): void {
  keyValues(w, 1, p.attributes);
  times(w, p);
  w.tag(4, 1).fixed64(int64(p.count ?? 0));
  if (has(p, 'sum')) w.tag(5, 1).double(dbl(p.sum));
  const scale = Number(p.scale ?? 0);
  if (scale !== 0) w.tag(6, 0).varint(scale >= 0 ? scale * 2 : -scale * 2 - 1);
  w.tag(7, 1).fixed64(int64(p.zeroCount ?? 0));
  if (has(p, 'positive')) buckets(w, 8, obj(p.positive));
  if (has(p, 'negative')) buckets(w, 9, obj(p.negative));
  flags(w, 10, p);
  if (has(p, 'min')) w.tag(12, 1).double(dbl(p.min));
  if (has(p, 'max')) w.tag(13, 1).double(dbl(p.max));
  if (has(p, 'zeroThreshold')) w.tag(14, 1).double(dbl(p.zeroThreshold));
}

function summaryPoint(w: PbWriter, p: O): void {
  times(w, p);
  w.tag(4, 1).fixed64(int64(p.count ?? 0));
  if (has(p, 'sum')) w.tag(5, 1).double(dbl(p.sum));
  for (const q of arr(p.quantileValues)) {
    const v = obj(q);
    w.message(6, (x) => {
      x.tag(1, 1).double(dbl(v.quantile ?? 0));
      x.tag(2, 1).double(dbl(v.value ?? 0));
    });
  }
  keyValues(w, 7, p.attributes);
  flags(w, 8, p);
}
